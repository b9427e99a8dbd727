import { Bot } from "lucide-react";
import { Link } from "wouter";
import type { Agent } from "@/api/types";
import { projectPath } from "@/components/AppShell";
import { EmptyState } from "@/components/EmptyState";
import { OutcomeTiles } from "@/components/OutcomeCounts";
import { ErrorBanner } from "@/components/ErrorBanner";
import { PageHeader } from "@/components/PageHeader";
import { RelativeTime } from "@/components/RelativeTime";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Skeleton } from "@/components/ui/skeleton";
import { useApi } from "@/hooks/useApi";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useLiveRefresh } from "@/hooks/useLiveRefresh";
import { formatCount, formatPercent } from "@/lib/format";
import { cn } from "@/lib/utils";

function initials(name: string): string {
  const parts = name.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : name.slice(0, 2)).toUpperCase();
}

function AgentCard({ agent }: { agent: Agent }) {
  const busy = agent.active_tasks > 0;
  return (
    <Card className="gap-4" data-testid="agent-card" data-agent={agent.name}>
      <div className="flex items-center gap-3 px-5">
        <div className="relative">
          <div className="bg-primary/10 text-primary flex size-10 items-center justify-center rounded-full text-sm font-semibold">
            {initials(agent.name)}
          </div>
          <span
            className={cn(
              "border-card absolute -right-0.5 -bottom-0.5 size-3.5 rounded-full border-2",
              busy ? "bg-emerald-500" : "bg-slate-300 dark:bg-slate-600",
            )}
            title={busy ? "Working" : "Idle"}
          />
        </div>
        <div className="min-w-0 flex-1">
          <div className="truncate font-semibold">{agent.name}</div>
          <div className="text-muted-foreground text-xs">
            {busy ? "Working" : "Idle"} · seen <RelativeTime iso={agent.last_seen} />
          </div>
        </div>
        <div className="text-right">
          <div className="font-semibold tabular-nums">{formatCount(agent.total_tasks)}</div>
          <div className="text-muted-foreground text-xs">tasks</div>
        </div>
      </div>
      <OutcomeTiles totals={agent} className="px-5" />
      <div className="px-5">
        <div className="mb-1.5 flex justify-between text-xs">
          <span className="text-muted-foreground">Success rate</span>
          <span className="font-medium tabular-nums">{formatPercent(agent.success_rate)}</span>
        </div>
        <Progress
          value={(agent.success_rate ?? 0) * 100}
          className="h-1.5 bg-red-500/15"
          indicatorClassName="bg-emerald-500"
        />
      </div>
      <div className="flex flex-wrap gap-1.5 px-5">
        {agent.projects.map((project) => (
          <Badge key={project} variant="outline" asChild>
            <Link href={projectPath(project)} className="hover:bg-muted">
              {project}
            </Link>
          </Badge>
        ))}
      </div>
    </Card>
  );
}

export function Agents() {
  useDocumentTitle("Agents");
  const agents = useApi<Agent[]>("/api/agents");
  useLiveRefresh(agents.reload);
  const list = [...(agents.data ?? [])].sort(
    (a, b) => b.active_tasks - a.active_tasks || Date.parse(b.last_seen) - Date.parse(a.last_seen),
  );
  const working = list.filter((agent) => agent.active_tasks > 0).length;
  return (
    <>
      <PageHeader
        title="Agents"
        description={
          agents.data
            ? `${formatCount(list.length)} agents, ${formatCount(working)} working right now.`
            : "Everyone reporting work, busiest first."
        }
      />
      {agents.error && !agents.data && <ErrorBanner error={agents.error} onRetry={agents.reload} />}
      {agents.loading ? (
        <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {[0, 1, 2].map((n) => (
            <Skeleton key={n} className="h-60 rounded-xl" />
          ))}
        </div>
      ) : list.length === 0 ? (
        <EmptyState icon={Bot} title="No agents yet">
          An agent appears here with its first webhook.
        </EmptyState>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {list.map((agent) => (
            <AgentCard key={agent.name} agent={agent} />
          ))}
        </div>
      )}
    </>
  );
}
