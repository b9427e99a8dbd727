import { Activity, CheckCircle2, Clock, FolderKanban, XCircle } from "lucide-react";
import { Link } from "wouter";
import type { Outcomes, Project, ProjectStats, Stats, TimeSeries } from "@/api/types";
import { projectPath } from "@/components/AppShell";
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
import { formatCount, formatDuration, formatPercent } from "@/lib/format";

const DAY_MS = 24 * 3600 * 1000;

function hourStart(now: number): string {
  return new Date(Math.floor(now / 3600_000) * 3600_000).toISOString();
}

function ProjectCard({ stats, project }: { stats: ProjectStats; project?: Project }) {
  const name = stats.project;
  const since = hourStart(Date.now() - DAY_MS + 3600_000);
  const series = useApi<TimeSeries>("/api/stats/timeseries", {
    project: [name],
    bucket: "hour",
    since,
  });
  useLiveRefresh(series.reload, (message) => message.data.project === name, 1500, 5000);
  const started = series.data?.points.map((point) => point.started) ?? [];
  const startedToday = started.reduce((sum, n) => sum + n, 0);
  return (
    <Link href={projectPath(name)} data-testid="project-card" data-project={name}>
      <Card className="hover:border-primary/40 h-full gap-4 transition-colors hover:shadow-md">
        <div className="flex items-start justify-between gap-3 px-5">
          <div className="min-w-0">
            <div className="truncate font-semibold">{name}</div>
            <div className="text-muted-foreground text-xs">
              {project ? (
                <>
                  Last activity <RelativeTime iso={project.updated_at} />
                </>
              ) : (
                `${formatCount(stats.total_tasks)} tasks`
              )}
            </div>
          </div>
          <div className="text-right">
            <div className="text-sm font-semibold tabular-nums">
              {formatPercent(stats.success_rate)}
            </div>
            <div className="text-muted-foreground text-xs">success</div>
          </div>
        </div>
        <div className="px-5">
          <OutcomeTiles totals={stats} />
        </div>
        <div className="px-5">
          <div className="text-muted-foreground mb-1 flex justify-between text-xs">
            <span>Started, last 24 h</span>
            <span className="tabular-nums">{formatCount(startedToday)}</span>
          </div>
          <div className="h-10">
            {series.data ? (
              <Sparkline values={started} id={name} />
            ) : (
              <Skeleton className="h-full" />
            )}
          </div>
        </div>
        {stats.stale_tasks > 0 && (
          <div className="px-5 text-xs text-orange-600 dark:text-orange-400">
            {stats.stale_tasks} stale {stats.stale_tasks === 1 ? "task" : "tasks"} without news
          </div>
        )}
      </Card>
    </Link>
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
  const perProject = useApi<ProjectStats[]>("/api/stats/projects");
  const projects = useApi<Project[]>("/api/projects");
  useLiveRefresh(() => {
    totals.reload();
    outcomes.reload();
    perProject.reload();
    projects.reload();
  });
  const byName = new Map((projects.data ?? []).map((project) => [project.name, project]));
  const error = totals.error ?? perProject.error;

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
          hint={`${formatCount(totals.data?.total_projects)} projects`}
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
        {perProject.loading ? (
          <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
            {[0, 1, 2].map((n) => (
              <Skeleton key={n} className="h-56 rounded-xl" />
            ))}
          </div>
        ) : perProject.data?.length === 0 ? (
          <FirstWebhook />
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
            {(perProject.data ?? []).map((stats) => (
              <ProjectCard key={stats.project} stats={stats} project={byName.get(stats.project)} />
            ))}
          </div>
        )}
      </section>
    </>
  );
}
