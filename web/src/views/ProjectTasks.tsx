import { ArrowUp, Bell, Inbox, Loader2, SearchX } from "lucide-react";
import { useCallback, useMemo, useState } from "react";
import { Link, useLocation } from "wouter";
import type { Agent, BudgetStatus, ProjectStats, Task } from "@/api/types";
import { projectPath } from "@/components/AppShell";
import { BudgetBadge } from "@/components/BudgetBadge";
import { EmptyState } from "@/components/EmptyState";
import { ErrorBanner } from "@/components/ErrorBanner";
import { OUTCOME_TONES, outcomeCounts } from "@/components/OutcomeCounts";
import { Breadcrumbs, PageHeader } from "@/components/PageHeader";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useApi } from "@/hooks/useApi";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useDebounced } from "@/hooks/useDebounced";
import { useLiveRefresh } from "@/hooks/useLiveRefresh";
import { useLiveTaskList } from "@/hooks/useLiveTaskList";
import { useMediaQuery } from "@/hooks/useMediaQuery";
import { MAX_TASKS_IN_VIEW } from "@/live/taskWindow";
import { formatCount, formatPercent } from "@/lib/format";
import { cn } from "@/lib/utils";
import { TaskBoard } from "./TaskBoard";
import { TaskFilters, type FilterValues } from "./TaskFilters";
import { TaskCards, TaskTable, taskPath } from "./TaskTable";

function ProjectSummary({ project }: { project: string }) {
  const stats = useApi<ProjectStats[]>("/api/stats/projects", { project: [project] });
  const budget = useApi<BudgetStatus | null>(`/api/projects/${encodeURIComponent(project)}/budget`);
  useLiveRefresh(stats.reload, (message) => message.data.project === project);
  useLiveRefresh(budget.reload, (m) => m.data.project === project && m.data.usage != null);
  const mine = stats.data?.[0];
  if (!mine) return null;
  return (
    <span className="flex flex-wrap items-center gap-x-4 gap-y-1">
      {outcomeCounts(mine).map((count) => (
        <span key={count.outcome} data-testid={`summary-${count.outcome}`} data-count={count.value}>
          <span className={cn("font-semibold tabular-nums", OUTCOME_TONES[count.outcome])}>
            {formatCount(count.value)}
          </span>{" "}
          {count.outcome}
        </span>
      ))}
      <span>
        <span className="text-foreground font-semibold">{formatPercent(mine.success_rate)}</span>{" "}
        success
      </span>
      {budget.data && <BudgetBadge status={budget.data} />}
    </span>
  );
}

/** New tasks of a busy project wait here instead of pushing the list down under the reader. */
function NewTasks({ count, onShow }: { count: number; onShow: () => void }) {
  return (
    <div className="sticky top-16 z-20 flex justify-center">
      <Button
        size="sm"
        className="rounded-full shadow-md"
        data-testid="new-tasks"
        data-count={count}
        onClick={onShow}
      >
        <ArrowUp />
        {formatCount(count)} new {count === 1 ? "task" : "tasks"}
      </Button>
    </div>
  );
}

function ListSkeleton() {
  return (
    <div className="flex flex-col gap-2">
      {[0, 1, 2, 3, 4].map((n) => (
        <Skeleton key={n} className="h-14 rounded-lg" />
      ))}
    </div>
  );
}

export function ProjectTasks({ project }: { project: string }) {
  useDocumentTitle(project);
  const [, navigate] = useLocation();
  const [values, setValues] = useState<FilterValues>({
    search: "",
    statuses: [],
    agent: "",
    sort: "started",
    layout: "list",
  });
  const search = useDebounced(values.search.trim(), 300);
  const filter = useMemo(
    () => ({
      project,
      statuses: values.statuses,
      agent: values.agent,
      q: search,
      sort: values.sort,
    }),
    [project, values.statuses, values.agent, search, values.sort],
  );
  const list = useLiveTaskList(filter);
  const wide = useMediaQuery("(min-width: 640px)");
  const agents = useApi<Agent[]>("/api/agents");
  const agentNames = (agents.data ?? [])
    .filter((agent) => agent.projects.includes(project))
    .map((agent) => agent.name);
  const open = useCallback((task: Task) => navigate(taskPath(task)), [navigate]);
  const filtered = filter.q || filter.statuses.length > 0 || filter.agent;

  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs trail={[{ label: "Projects", href: "/" }]} />}
        title={project}
        description={<ProjectSummary project={project} />}
        actions={
          <Button variant="outline" size="sm" asChild>
            <Link href={`${projectPath(project)}/notifications`}>
              <Bell /> Notifications
            </Link>
          </Button>
        }
      />
      <TaskFilters values={values} agents={agentNames} onChange={setValues} />
      {list.error && <ErrorBanner error={list.error} />}
      {list.loading ? (
        <ListSkeleton />
      ) : list.tasks.length === 0 && list.newTasks === 0 ? (
        filtered ? (
          <EmptyState icon={SearchX} title="No task matches these filters">
            Clear a filter or search for another title.
          </EmptyState>
        ) : (
          <EmptyState icon={Inbox} title="No tasks yet">
            Tasks show up here the moment an agent reports them.
          </EmptyState>
        )
      ) : (
        <>
          {list.newTasks > 0 && (
            <NewTasks
              count={list.newTasks}
              onShow={() => {
                list.showNewTasks();
                window.scrollTo({ top: 0 });
              }}
            />
          )}
          {values.layout === "board" ? (
            <TaskBoard tasks={list.tasks} touches={list.touches} onOpen={open} />
          ) : wide ? (
            <TaskTable tasks={list.tasks} touches={list.touches} onOpen={open} />
          ) : (
            <TaskCards tasks={list.tasks} touches={list.touches} onOpen={open} />
          )}
        </>
      )}
      {!list.loading && list.tasks.length > 0 && (
        <div className="text-muted-foreground flex items-center justify-between text-sm">
          <span data-testid="task-count">
            {formatCount(list.tasks.length)}
            {list.total != null && ` of ${formatCount(list.total)}`} tasks
          </span>
          {list.full && (
            <span data-testid="list-full">
              The newest {formatCount(MAX_TASKS_IN_VIEW)} are kept here; filter to see others.
            </span>
          )}
          {list.hasMore && (
            <Button variant="outline" size="sm" onClick={list.loadMore} disabled={list.loadingMore}>
              {list.loadingMore && <Loader2 className="animate-spin" />}
              Load more
            </Button>
          )}
        </div>
      )}
    </>
  );
}
