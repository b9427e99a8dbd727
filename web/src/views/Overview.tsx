import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { Activity, CheckCircle2, Clock, FolderKanban, XCircle } from "lucide-react";
import { memo, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";
import { Link } from "wouter";
import type { Outcomes, ProjectSummary, Stats } from "@/api/types";
import { projectPath } from "@/components/AppShell";
import { BudgetBadge } from "@/components/BudgetBadge";
import { EmptyState } from "@/components/EmptyState";
import { OutcomeTiles } from "@/components/OutcomeCounts";
import { ErrorBanner } from "@/components/ErrorBanner";
import { PageHeader } from "@/components/PageHeader";
import { RelativeTime } from "@/components/RelativeTime";
import { Sparkline } from "@/components/Sparkline";
import { StatCard } from "@/components/StatCard";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useApi } from "@/hooks/useApi";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useLiveRefresh } from "@/hooks/useLiveRefresh";
import { useProjectSummaries } from "@/hooks/useProjectSummaries";
import { formatCount, formatDuration, formatPercent } from "@/lib/format";
import { gridColumns, itemRange, rowItems } from "@/lib/summaryPages";

/** Projects asked for at a time: a few screens of cards. */
const PAGE_SIZE = 48;
/** A row of cards before it is measured: a card and the gap below it. */
const ROW_ESTIMATE_PX = 252;
const CARD_GRID = "grid gap-4 sm:grid-cols-2 xl:grid-cols-3";

const ProjectCard = memo(function ProjectCard({ summary }: { summary: ProjectSummary }) {
  const name = summary.project;
  const started = summary.started_per_hour;
  const startedToday = started.reduce((sum, n) => sum + n, 0);
  return (
    <Link href={projectPath(name)} data-testid="project-card" data-project={name}>
      <Card className="hover:border-primary/40 h-full gap-4 transition-colors hover:shadow-md">
        <div className="flex items-start justify-between gap-3 px-5">
          <div className="min-w-0">
            <div className="truncate font-semibold">{name}</div>
            <div className="text-muted-foreground text-xs">
              Last activity <RelativeTime iso={summary.updated_at} />
            </div>
            {summary.budget && (
              <div className="mt-1.5">
                <BudgetBadge status={summary.budget} />
              </div>
            )}
          </div>
          <div className="text-right">
            <div className="text-sm font-semibold tabular-nums">
              {formatPercent(summary.success_rate)}
            </div>
            <div className="text-muted-foreground text-xs">success</div>
          </div>
        </div>
        <div className="px-5">
          <OutcomeTiles totals={summary} />
        </div>
        <div className="px-5">
          <div className="text-muted-foreground mb-1 flex justify-between text-xs">
            <span>Started, last 24 h</span>
            <span className="tabular-nums">{formatCount(startedToday)}</span>
          </div>
          <div className="h-10">
            <Sparkline values={started} id={name} />
          </div>
        </div>
        {summary.needs_input_tasks > 0 && (
          <div className="px-5 text-xs text-violet-700 dark:text-violet-300">
            {summary.needs_input_tasks}{" "}
            {summary.needs_input_tasks === 1 ? "task needs" : "tasks need"} input
          </div>
        )}
        {summary.stale_tasks > 0 && (
          <div className="px-5 text-xs text-orange-600 dark:text-orange-400">
            {summary.stale_tasks} stale {summary.stale_tasks === 1 ? "task" : "tasks"} without news
          </div>
        )}
      </Card>
    </Link>
  );
});

/** The projects, and how many active tasks wait on a person when any do. */
function activeHint(stats: Stats | undefined): string {
  const projects = `${formatCount(stats?.total_projects)} projects`;
  const waiting = stats?.needs_input_tasks ?? 0;
  return waiting > 0 ? `${formatCount(waiting)} need input · ${projects}` : projects;
}

function subscribeToResize(onChange: () => void): () => void {
  window.addEventListener("resize", onChange);
  return () => window.removeEventListener("resize", onChange);
}

function useViewportWidth(): number {
  return useSyncExternalStore(subscribeToResize, () => window.innerWidth);
}

interface RowRange {
  first: number;
  last: number;
}

/** The project cards, in rows that exist in the page only while near the screen. */
function ProjectGrid({
  count,
  columns,
  at,
  onRows,
}: {
  count: number;
  columns: number;
  at: (index: number) => ProjectSummary | undefined;
  onRows: (rows: RowRange) => void;
}) {
  const list = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  useLayoutEffect(() => {
    const measured = (list.current?.getBoundingClientRect().top ?? 0) + window.scrollY;
    if (Math.abs(measured - top) > 1) setTop(measured);
  });
  const virtualizer = useWindowVirtualizer({
    count: Math.ceil(count / columns),
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 2,
    scrollMargin: top,
  });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows.at(-1)?.index ?? 0;
  useEffect(() => onRows({ first, last }), [first, last, onRows]);

  return (
    <div ref={list} className="relative" style={{ height: virtualizer.getTotalSize() }}>
      {rows.map((row) => (
        <div
          key={row.key}
          data-index={row.index}
          ref={virtualizer.measureElement}
          className={`${CARD_GRID} absolute inset-x-0 top-0 pb-4`}
          style={{ transform: `translateY(${row.start - virtualizer.options.scrollMargin}px)` }}
        >
          {rowItems(row.index, columns, count).map((index) => {
            const summary = at(index);
            return summary ? (
              <ProjectCard key={summary.project} summary={summary} />
            ) : (
              <Skeleton key={`loading-${index}`} className="h-56 rounded-xl" />
            );
          })}
        </div>
      ))}
    </div>
  );
}

function FirstWebhook() {
  const origin = window.location.origin;
  return (
    <EmptyState icon={FolderKanban} title="No projects yet">
      <p>Projects appear here, live, as soon as an agent reports its first task:</p>
      <pre className="bg-muted text-foreground mt-3 overflow-x-auto rounded-lg p-3 text-left font-mono text-xs">
        {`curl -X POST ${origin}/webhook/start \\
  -H "X-API-Key: $API_KEY" -H "Content-Type: application/json" \\
  -d '{"project":"my-app","task":"Process data","task_id":"t-1","agent":"bot"}'`}
      </pre>
    </EmptyState>
  );
}

export function Overview() {
  useDocumentTitle("Overview");
  const totals = useApi<Stats>("/api/stats");
  const outcomes = useApi<Outcomes>("/api/stats/outcomes");
  const columns = gridColumns(useViewportWidth());
  const [rows, setRows] = useState<RowRange>({ first: 0, last: 0 });
  const summaries = useProjectSummaries({
    sort: "recent",
    ...itemRange(rows.first, rows.last, columns),
    pageSize: PAGE_SIZE,
  });
  useLiveRefresh(() => {
    totals.reload();
    outcomes.reload();
    summaries.reload();
  });
  const error = totals.error ?? summaries.error;

  return (
    <>
      <PageHeader
        title="Overview"
        description="Every project and what its agents are doing right now."
      />
      {error && !totals.data && <ErrorBanner error={error} onRetry={totals.reload} />}
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <StatCard
          label="Active tasks"
          icon={Activity}
          tone="text-blue-600 bg-blue-500/10 dark:text-blue-400"
          loading={totals.loading}
          value={formatCount(totals.data?.active_tasks)}
          hint={activeHint(totals.data)}
          testId="total-active"
        />
        <StatCard
          label="Completed"
          icon={CheckCircle2}
          tone="text-emerald-600 bg-emerald-500/10 dark:text-emerald-400"
          loading={totals.loading}
          value={formatCount(totals.data?.completed_tasks)}
          hint={`${formatPercent(outcomes.data?.success_rate)} success rate`}
          testId="total-completed"
        />
        <StatCard
          label="Failed"
          icon={XCircle}
          tone="text-red-600 bg-red-500/10 dark:text-red-400"
          loading={totals.loading}
          value={formatCount(totals.data?.failed_tasks)}
          hint={`of ${formatCount(totals.data?.total_tasks)} tasks`}
          testId="total-failed"
        />
        <StatCard
          label="Average duration"
          icon={Clock}
          tone="text-violet-600 bg-violet-500/10 dark:text-violet-400"
          loading={outcomes.loading}
          value={formatDuration(outcomes.data?.durations.average)}
          hint={`p90 ${formatDuration(outcomes.data?.durations.p90)}`}
        />
      </div>
      <section className="flex flex-col gap-3">
        <h2 className="text-lg font-semibold tracking-tight">Projects</h2>
        {summaries.total === undefined ? (
          !summaries.error && (
            <div className={CARD_GRID}>
              {[0, 1, 2].map((n) => (
                <Skeleton key={n} className="h-56 rounded-xl" />
              ))}
            </div>
          )
        ) : summaries.total === 0 ? (
          <FirstWebhook />
        ) : (
          <ProjectGrid
            count={summaries.total}
            columns={columns}
            at={summaries.at}
            onRows={setRows}
          />
        )}
      </section>
    </>
  );
}
