import { Coins } from "lucide-react";
import { memo, useMemo } from "react";
import { Link } from "wouter";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { Bucket, CostlyTask, UsagePage, UsageSeries } from "@/api/types";
import { axisProps, CHART_COLORS, gridProps, seriesProps, tooltipProps } from "@/components/charts";
import { StatusBadge } from "@/components/StatusBadge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import {
  costBars,
  costPoints,
  formatCost,
  formatCosts,
  formatTokens,
  totalTokens,
  type CostBar,
} from "@/lib/usage";
import { ChartCard } from "./ChartCard";
import { taskPath } from "./TaskTable";

/** What the cost is charted in when nothing cost anything yet. */
const DEFAULT_CURRENCY = "USD";
const NO_POINTS: UsageSeries["points"] = [];

/** A tooltip line for a point or bar with `cost` and `tokens`. */
function costTooltip(currency: string) {
  return (value: unknown, _name: unknown, item: { payload?: { tokens: number } }) => [
    `${formatCost(Number(value), currency)} · ${formatTokens(item.payload?.tokens ?? 0)} tokens`,
    "Cost",
  ];
}

const CostOverTime = memo(function CostOverTime({
  series,
  currency,
  bucket,
  label,
  loading,
}: {
  series: UsageSeries["points"];
  currency: string;
  bucket: Bucket;
  label: (start: string) => string;
  loading: boolean;
}) {
  const points = useMemo(() => costPoints(series, currency, label), [series, currency, label]);
  return (
    <ChartCard
      className="lg:col-span-2"
      title="Cost over time"
      description={`${currency} per ${bucket}, as the events reported it`}
      loading={loading}
    >
      <AreaChart data={points} margin={{ left: -4, right: 8, top: 4 }}>
        <defs>
          <linearGradient id="cost-fill" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor={CHART_COLORS.cost} stopOpacity={0.35} />
            <stop offset="100%" stopColor={CHART_COLORS.cost} stopOpacity={0} />
          </linearGradient>
        </defs>
        <CartesianGrid {...gridProps} />
        <XAxis dataKey="label" {...axisProps} minTickGap={24} />
        <YAxis {...axisProps} tickFormatter={(value: number) => formatCost(value, currency)} />
        <Tooltip {...tooltipProps} formatter={costTooltip(currency)} />
        <Area
          {...seriesProps}
          dataKey="cost"
          type="monotone"
          stroke={CHART_COLORS.cost}
          strokeWidth={2}
          fill="url(#cost-fill)"
        />
      </AreaChart>
    </ChartCard>
  );
});

const CostBars = memo(function CostBars({
  title,
  description,
  bars,
  currency,
  loading,
}: {
  title: string;
  description: string;
  bars: CostBar[];
  currency: string;
  loading: boolean;
}) {
  return (
    <ChartCard title={title} description={description} loading={loading}>
      <BarChart data={bars} layout="vertical" margin={{ left: 8, right: 16 }}>
        <CartesianGrid {...gridProps} horizontal={false} vertical />
        <XAxis
          type="number"
          {...axisProps}
          tickFormatter={(value: number) => formatCost(value, currency)}
        />
        <YAxis type="category" dataKey="name" {...axisProps} width={110} />
        <Tooltip {...tooltipProps} formatter={costTooltip(currency)} />
        <Bar
          {...seriesProps}
          dataKey="cost"
          fill={CHART_COLORS.cost}
          radius={[0, 4, 4, 0]}
          barSize={16}
        />
      </BarChart>
    </ChartCard>
  );
});

const CostlyTasks = memo(function CostlyTasks({ tasks }: { tasks: CostlyTask[] | undefined }) {
  if (!tasks) return <Skeleton className="h-48" />;
  if (tasks.length === 0) {
    return <p className="text-muted-foreground text-sm">No cost reported in this period.</p>;
  }
  return (
    <ol className="flex flex-col gap-3" data-testid="costly-tasks">
      {tasks.map((task) => (
        <li key={`${task.project}/${task.task_id}`} className="flex items-center gap-3 text-sm">
          <div className="min-w-0 flex-1">
            <Link href={taskPath(task)} className="block truncate font-medium hover:underline">
              {task.title}
            </Link>
            <div className="text-muted-foreground truncate text-xs">
              {task.project} · {task.agent} · {formatTokens(totalTokens(task.usage))} tokens
            </div>
          </div>
          <StatusBadge status={task.status} />
          <span className="w-20 text-right font-medium tabular-nums">
            {formatCost(task.cost, task.currency)}
          </span>
        </li>
      ))}
    </ol>
  );
});

/** Cost over time, by model, by agent, and the most expensive tasks of the period. */
export function CostStatistics({
  usage,
  bucket,
  label,
  total,
}: {
  usage: UsagePage | undefined;
  bucket: Bucket;
  label: (start: string) => string;
  total: Record<string, number> | undefined;
}) {
  const currency = usage?.currency ?? DEFAULT_CURRENCY;
  const byModel = usage?.by_model;
  const byAgent = usage?.by_agent;
  const models = useMemo(() => costBars(byModel ?? [], currency), [byModel, currency]);
  const agents = useMemo(() => costBars(byAgent ?? [], currency), [byAgent, currency]);
  const loading = usage === undefined;
  return (
    <>
      <div className="grid gap-4 lg:grid-cols-3">
        <CostOverTime
          series={usage?.series.points ?? NO_POINTS}
          currency={currency}
          bucket={bucket}
          label={label}
          loading={loading}
        />
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <Coins className="size-4 text-amber-500" /> Most expensive tasks
            </CardTitle>
            <CardDescription>
              {formatCosts(total) ? `${formatCosts(total)} in all` : "By cost in the period"}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <CostlyTasks tasks={usage?.costly_tasks} />
          </CardContent>
        </Card>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <CostBars
          title="By model"
          description={`${currency} per model, costliest first`}
          bars={models}
          currency={currency}
          loading={loading}
        />
        <CostBars
          title="By agent"
          description={`${currency} per agent, costliest first`}
          bars={agents}
          currency={currency}
          loading={loading}
        />
      </div>
    </>
  );
}
