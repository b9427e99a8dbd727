import { AlertOctagon, CheckCircle2, Coins, Gauge, PlayCircle, Timer } from "lucide-react";
import { memo, useCallback, useMemo, useState } from "react";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { Bucket, ErrorType, Project, ProjectStats, StatsPage } from "@/api/types";
import { axisProps, CHART_COLORS, gridProps, seriesProps, tooltipProps } from "@/components/charts";
import { chartPoints, CURVE, WITH_GAPS, type ChartPoint } from "@/components/chartSeries";
import { EmptyState } from "@/components/EmptyState";
import { OUTCOME_TONES } from "@/components/OutcomeCounts";
import { ErrorBanner } from "@/components/ErrorBanner";
import { PageHeader } from "@/components/PageHeader";
import { RelativeTime } from "@/components/RelativeTime";
import { StatCard } from "@/components/StatCard";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useApi } from "@/hooks/useApi";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useLiveRefresh } from "@/hooks/useLiveRefresh";
import { formatCount, formatDuration, formatPercent } from "@/lib/format";
import { formatCosts, formatTokens, totalTokens } from "@/lib/usage";
import { cn } from "@/lib/utils";
import { ChartCard } from "./ChartCard";
import { CostStatistics } from "./CostStatistics";

const RANGES = {
  "1h": { label: "1 hour", bucket: "minute", hours: 1 },
  "24h": { label: "24 hours", bucket: "hour", hours: 24 },
  "7d": { label: "7 days", bucket: "hour", hours: 24 * 7 },
  "30d": { label: "30 days", bucket: "day", hours: 24 * 30 },
} as const satisfies Record<string, { label: string; bucket: Bucket; hours: number }>;
type Range = keyof typeof RANGES;

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function tickLabel(iso: string, bucket: Bucket): string {
  const date = new Date(iso);
  return bucket === "day"
    ? date.toLocaleDateString(undefined, { month: "short", day: "numeric" })
    : date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** A success rate with no neighbour to draw a line to: a dot, so it is not lost in a gap. */
function LoneRate({
  cx,
  cy,
  index,
  payload,
}: {
  cx?: number;
  cy?: number;
  index?: number;
  payload?: ChartPoint;
}) {
  if (!payload?.lone || cx == null || cy == null) return <g key={index} />;
  return <circle key={index} cx={cx} cy={cy} r={3} fill={CHART_COLORS.completed} />;
}

const ErrorRanking = memo(function ErrorRanking({ errors }: { errors: ErrorType[] }) {
  if (errors.length === 0) {
    return <p className="text-muted-foreground text-sm">No failures in this period.</p>;
  }
  const most = errors[0].count;
  return (
    <ol className="flex flex-col gap-3">
      {errors.map((error) => (
        <li key={error.error_type} className="flex flex-col gap-1">
          <div className="flex items-baseline justify-between gap-3 text-sm">
            <span className="truncate font-mono font-medium">{error.error_type}</span>
            <span className="tabular-nums">{formatCount(error.count)}</span>
          </div>
          <div className="bg-muted h-1.5 overflow-hidden rounded-full">
            <div
              className="h-full rounded-full bg-red-500/70"
              style={{ width: `${(error.count / most) * 100}%` }}
            />
          </div>
          <div className="text-muted-foreground flex justify-between gap-3 text-xs">
            <span className="truncate">{error.latest_message}</span>
            <RelativeTime iso={error.last_seen} className="shrink-0" />
          </div>
        </li>
      ))}
    </ol>
  );
});

/** A project's row; unchanged rows of a reloaded table are not drawn again. */
const ProjectRow = memo(function ProjectRow({ row }: { row: ProjectStats }) {
  return (
    <TableRow
      data-testid="project-stats-row"
      data-project={row.project}
      data-total={row.total_tasks}
    >
      <TableCell className="pl-5 font-medium">{row.project}</TableCell>
      <TableCell className="text-right tabular-nums">{formatCount(row.total_tasks)}</TableCell>
      <TableCell className={cn("text-right tabular-nums", OUTCOME_TONES.active)}>
        {formatCount(row.active_tasks)}
      </TableCell>
      <TableCell className={cn("text-right tabular-nums", OUTCOME_TONES.completed)}>
        {formatCount(row.completed_tasks)}
      </TableCell>
      <TableCell className={cn("text-right tabular-nums", OUTCOME_TONES.failed)}>
        {formatCount(row.failed_tasks)}
      </TableCell>
      <TableCell className="hidden text-right tabular-nums sm:table-cell">
        {formatCount(row.stale_tasks)}
      </TableCell>
      <TableCell className="text-right tabular-nums">{formatPercent(row.success_rate)}</TableCell>
      <TableCell className="hidden pr-5 text-right tabular-nums md:table-cell">
        {formatDuration(row.average_duration)}
      </TableCell>
    </TableRow>
  );
});

function ProjectTable({ rows }: { rows: ProjectStats[] }) {
  return (
    <Table>
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-5">Project</TableHead>
          <TableHead className="text-right">Tasks</TableHead>
          <TableHead className="text-right">Active</TableHead>
          <TableHead className="text-right">Completed</TableHead>
          <TableHead className="text-right">Failed</TableHead>
          <TableHead className="hidden text-right sm:table-cell">Stale</TableHead>
          <TableHead className="text-right">Success</TableHead>
          <TableHead className="hidden pr-5 text-right md:table-cell">Avg duration</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <ProjectRow key={row.project} row={row} />
        ))}
      </TableBody>
    </Table>
  );
}

interface ChartProps {
  points: ChartPoint[];
  bucket: Bucket;
  loading: boolean;
}

// Each chart is drawn again only when its own data changed (a live reload often changes one).
const ThroughputCard = memo(function ThroughputCard({ points, bucket, loading }: ChartProps) {
  return (
    <ChartCard
      className="lg:col-span-2"
      title="Throughput"
      description={`Tasks started, completed and failed per ${bucket}`}
      loading={loading}
    >
      <ComposedChart data={points} margin={{ left: -20, right: 8, top: 4 }}>
        <CartesianGrid {...gridProps} />
        <XAxis dataKey="label" {...axisProps} minTickGap={24} />
        <YAxis {...axisProps} allowDecimals={false} />
        <Tooltip {...tooltipProps} />
        <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
        <Bar
          {...seriesProps}
          dataKey="completed"
          name="Completed"
          stackId="outcome"
          fill={CHART_COLORS.completed}
          radius={[0, 0, 0, 0]}
        />
        <Bar
          {...seriesProps}
          dataKey="failed"
          name="Failed"
          stackId="outcome"
          fill={CHART_COLORS.failed}
          radius={[3, 3, 0, 0]}
        />
        <Line
          {...seriesProps}
          dataKey="started"
          name="Started"
          type={CURVE}
          stroke={CHART_COLORS.started}
          strokeWidth={2}
          dot={false}
        />
      </ComposedChart>
    </ChartCard>
  );
});

const SuccessRateCard = memo(function SuccessRateCard({ points, bucket, loading }: ChartProps) {
  return (
    <ChartCard
      title="Success rate"
      description={`Completed among finished tasks, per ${bucket}; a gap where none finished`}
      loading={loading}
    >
      <AreaChart data={points} margin={{ left: -20, right: 8, top: 4 }}>
        <defs>
          <linearGradient id="success-fill" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor={CHART_COLORS.completed} stopOpacity={0.35} />
            <stop offset="100%" stopColor={CHART_COLORS.completed} stopOpacity={0} />
          </linearGradient>
        </defs>
        <CartesianGrid {...gridProps} />
        <XAxis dataKey="label" {...axisProps} minTickGap={24} />
        <YAxis {...axisProps} domain={[0, 100]} unit="%" />
        <Tooltip
          {...tooltipProps}
          formatter={(value) => [value == null ? "nothing finished" : `${value}%`, "Success"]}
        />
        <Area
          {...seriesProps}
          dataKey="success"
          {...WITH_GAPS}
          stroke={CHART_COLORS.completed}
          strokeWidth={2}
          fill="url(#success-fill)"
          dot={LoneRate}
        />
      </AreaChart>
    </ChartCard>
  );
});

const DurationsCard = memo(function DurationsCard({
  bars,
  loading,
}: {
  bars: { name: string; value: number }[];
  loading: boolean;
}) {
  return (
    <ChartCard
      title="Durations"
      description="Completed tasks: median, average and the slow tail"
      loading={loading}
    >
      <BarChart data={bars} layout="vertical" margin={{ left: 8, right: 16 }}>
        <CartesianGrid {...gridProps} horizontal={false} vertical />
        <XAxis
          type="number"
          {...axisProps}
          tickFormatter={(value: number) => formatDuration(value)}
        />
        <YAxis type="category" dataKey="name" {...axisProps} width={64} />
        <Tooltip
          {...tooltipProps}
          formatter={(value) => [formatDuration(Number(value)), "Duration"]}
        />
        <Bar
          {...seriesProps}
          dataKey="value"
          fill={CHART_COLORS.duration}
          radius={[0, 4, 4, 0]}
          barSize={18}
        />
      </BarChart>
    </ChartCard>
  );
});

export function Statistics() {
  useDocumentTitle("Statistics");
  const [range, setRange] = useState<Range>("24h");
  const [project, setProject] = useState("");
  const [tick, setTick] = useState(0);
  const { bucket, hours } = RANGES[range];
  const since = useMemo(() => {
    const start = Date.now() - hours * 3_600_000 + BUCKET_MS[bucket];
    return new Date(Math.floor(start / BUCKET_MS[bucket]) * BUCKET_MS[bucket]).toISOString();
    // `tick` moves the window forward on every live refresh.
  }, [hours, bucket, tick]);
  // One answer for every card (`/api/stats/page`): a live reload is one request and one render.
  const page = useApi<StatsPage>("/api/stats/page", {
    project: project ? [project] : [],
    since,
    bucket,
    errors_limit: 6,
    costly_limit: 8,
  });
  const projects = useApi<Project[]>("/api/projects");
  useLiveRefresh(
    () => {
      // The window moves forward when a bucket has passed (new parameters load by themselves);
      // within a bucket the same parameters are asked again.
      setTick((n) => n + 1);
      return page.reload();
    },
    (message) => !project || message.data.project === project,
    1500,
    5000,
  );
  const loading = page.loading;
  const data = page.data;

  const label = useCallback((start: string) => tickLabel(start, bucket), [bucket]);
  const points = useMemo(
    () => chartPoints(data?.timeseries.points ?? [], label),
    [data?.timeseries, label],
  );
  const usage = data?.totals.usage;
  const startedInRange = points.reduce((sum, point) => sum + point.started, 0);
  const outcomes = data?.outcomes;
  const durations = outcomes?.durations;
  const durationBars = useMemo(
    () =>
      durations
        ? [
            { name: "Median", value: durations.p50 },
            { name: "Average", value: durations.average },
            { name: "p90", value: durations.p90 },
            { name: "p99", value: durations.p99 },
            { name: "Longest", value: durations.longest },
          ].map((bar) => ({ ...bar, value: bar.value ?? 0 }))
        : [],
    [durations],
  );

  return (
    <>
      <PageHeader
        title="Statistics"
        description="Throughput, outcomes and durations of tasks started in the period; tokens and cost of the events in it."
        actions={
          <>
            <select
              aria-label="Project"
              className="border-input dark:bg-input/30 bg-background h-9 rounded-md border px-2.5 text-sm shadow-xs"
              value={project}
              onChange={(event) => setProject(event.target.value)}
            >
              <option value="">All projects</option>
              {(projects.data ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
            <Tabs value={range} onValueChange={(value) => setRange(value as Range)}>
              <TabsList>
                {Object.entries(RANGES).map(([value, { label }]) => (
                  <TabsTrigger key={value} value={value} className="px-2.5 text-xs">
                    {label}
                  </TabsTrigger>
                ))}
              </TabsList>
            </Tabs>
          </>
        }
      />
      {page.error && !data && <ErrorBanner error={page.error} onRetry={page.reload} />}
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-5">
        <StatCard
          label="Tasks started"
          icon={PlayCircle}
          loading={loading}
          value={formatCount(startedInRange)}
          hint={`in the last ${RANGES[range].label}`}
        />
        <StatCard
          label="Success rate"
          icon={CheckCircle2}
          tone="text-emerald-600 bg-emerald-500/10 dark:text-emerald-400"
          loading={loading}
          value={formatPercent(outcomes?.success_rate)}
          hint={`${formatCount(outcomes?.completed_tasks)} completed, ${formatCount(outcomes?.failed_tasks)} failed`}
        />
        <StatCard
          label="Median duration"
          icon={Timer}
          tone="text-violet-600 bg-violet-500/10 dark:text-violet-400"
          loading={loading}
          value={formatDuration(durations?.p50)}
          hint={`average ${formatDuration(durations?.average)}`}
        />
        <StatCard
          label="p90 duration"
          icon={Gauge}
          tone="text-amber-600 bg-amber-500/10 dark:text-amber-400"
          loading={loading}
          value={formatDuration(durations?.p90)}
          hint={`longest ${formatDuration(durations?.longest)}`}
        />
        <StatCard
          label="Cost"
          icon={Coins}
          tone="text-amber-600 bg-amber-500/10 dark:text-amber-400"
          loading={loading}
          value={formatCosts(usage?.cost) || "—"}
          hint={`${formatTokens(totalTokens(usage))} tokens reported`}
        />
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <ThroughputCard points={points} bucket={bucket} loading={loading} />
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <AlertOctagon className="size-4 text-red-500" /> Top errors
            </CardTitle>
            <CardDescription>Error types of failed tasks</CardDescription>
          </CardHeader>
          <CardContent>
            {data ? <ErrorRanking errors={data.errors} /> : <Skeleton className="h-48" />}
          </CardContent>
        </Card>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <SuccessRateCard points={points} bucket={bucket} loading={loading} />
        <DurationsCard bars={durationBars} loading={loading} />
      </div>
      <CostStatistics usage={data?.usage} bucket={bucket} label={label} total={usage?.cost} />
      <Card className="gap-2 pb-2">
        <CardHeader>
          <CardTitle>By project</CardTitle>
          <CardDescription>Totals of tasks started in the period</CardDescription>
        </CardHeader>
        {data && data.projects.length > 0 ? (
          <ProjectTable rows={data.projects} />
        ) : data ? (
          <CardContent>
            <EmptyState
              icon={PlayCircle}
              title="No tasks in this period"
              className="border-0 py-6"
            />
          </CardContent>
        ) : (
          <CardContent>
            <Skeleton className="h-32" />
          </CardContent>
        )}
      </Card>
    </>
  );
}
