import { Bot, Check, Clock, Copy, FileQuestion, FolderKanban } from "lucide-react";
import { useState, type ReactNode } from "react";
import { Link } from "wouter";
import type { EventKind, Task, TaskDetail as Detail, TaskEvent, UsageTotals } from "@/api/types";
import { projectPath } from "@/components/AppShell";
import { EmptyState } from "@/components/EmptyState";
import { ErrorBanner } from "@/components/ErrorBanner";
import { Breadcrumbs, PageHeader } from "@/components/PageHeader";
import { RelativeTime } from "@/components/RelativeTime";
import { StatusBadge } from "@/components/StatusBadge";
import { TaskProgress } from "@/components/TaskProgress";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useApi } from "@/hooks/useApi";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useLiveRefresh } from "@/hooks/useLiveRefresh";
import { useNow } from "@/hooks/useNow";
import { useLiveMessages } from "@/live/LiveContext";
import type { TaskMessage } from "@/live/messages";
import { applyToTask } from "@/live/taskList";
import { formatCount, formatDuration, formatTimestamp, taskElapsedSeconds } from "@/lib/format";
import { formatCosts, hasUsage } from "@/lib/usage";
import { Timeline } from "./Timeline";

const EVENT_KINDS: Record<TaskMessage["type"], EventKind | null> = {
  task_started: "start",
  task_status: "status",
  task_finished: "finish",
  task_error: "error",
  task_stale: null,
};

/** Live events shown on top of the loaded detail until a reload brings them. */
const MAX_LIVE_EVENTS = 200;

/** A live message as a timeline entry, until the reloaded timeline has it. */
function asEvent(message: TaskMessage): TaskEvent | null {
  const kind = EVENT_KINDS[message.type];
  if (!kind || !message.event_id) return null;
  const { data } = message;
  return {
    event_id: message.event_id,
    kind,
    agent: data.agent,
    occurred_at: message.timestamp,
    received_at: message.timestamp,
    payload: { ...data },
    usage: data.usage ?? null,
  };
}

function StackTrace({ trace }: { trace: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(trace).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <div className="overflow-hidden rounded-lg bg-zinc-950">
      <div className="flex items-center justify-between border-b border-white/10 py-1 pr-1 pl-4">
        <span className="text-xs font-medium text-zinc-400">Stack trace</span>
        <Button
          variant="ghost"
          size="sm"
          className="h-7 text-xs text-zinc-300 hover:bg-white/10 hover:text-white"
          onClick={copy}
        >
          {copied ? <Check /> : <Copy />}
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <pre
        data-testid="stack-trace"
        className="max-h-96 overflow-auto p-4 font-mono text-xs leading-relaxed text-zinc-100"
      >
        {trace}
      </pre>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <dt className="text-muted-foreground text-xs font-medium tracking-wide uppercase">{label}</dt>
      <dd className="text-sm font-medium">{children}</dd>
    </div>
  );
}

/** The task's totals: what its events reported using, cost per currency. */
function UsageFacts({ usage }: { usage: UsageTotals }) {
  const rows: [string, string][] = [
    ["Cost", formatCosts(usage.cost) || "—"],
    ["Input tokens", formatCount(usage.input_tokens)],
    ["Output tokens", formatCount(usage.output_tokens)],
    ["Cache read", formatCount(usage.cache_read_tokens)],
    ["Cache write", formatCount(usage.cache_write_tokens)],
  ];
  return (
    <dl data-testid="task-usage-totals" className="grid grid-cols-2 gap-x-4 gap-y-2 border-t pt-3">
      {rows.map(([label, value]) => (
        <div key={label} className="min-w-0">
          <dt className="text-muted-foreground text-xs">{label}</dt>
          <dd className="truncate text-sm font-medium tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Metadata({ metadata }: { metadata: Record<string, unknown> }) {
  return (
    <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-2">
      {Object.entries(metadata).map(([name, value]) => (
        <div key={name} className="min-w-0">
          <dt className="text-muted-foreground text-xs">{name}</dt>
          <dd className="truncate font-mono text-sm" title={JSON.stringify(value)}>
            {typeof value === "string" ? value : JSON.stringify(value)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function DetailSkeleton() {
  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <Skeleton className="h-40 rounded-xl lg:col-span-2" />
      <Skeleton className="h-40 rounded-xl" />
      <Skeleton className="h-72 rounded-xl lg:col-span-3" />
    </div>
  );
}

export function TaskDetail({ project, taskId }: { project: string; taskId: string }) {
  useDocumentTitle(`${taskId} · ${project}`);
  const path = `/api/projects/${encodeURIComponent(project)}/tasks/${encodeURIComponent(taskId)}`;
  const detail = useApi<Detail>(path);
  const [live, setLive] = useState<TaskMessage[]>([]);
  const now = useNow();
  const concerns = (message: TaskMessage) =>
    message.data.project === project && message.data.task_id === taskId;
  useLiveMessages((batch) => {
    const mine = batch.messages.filter(concerns);
    if (mine.length === 0) return;
    // Only what the loaded detail lacks is kept; the reload that follows brings the rest.
    const known = new Set(detail.data?.events.map((event) => event.event_id));
    setLive((messages) =>
      [...messages, ...mine]
        .filter((message) => !message.event_id || !known.has(message.event_id))
        .slice(-MAX_LIVE_EVENTS),
    );
  });
  useLiveRefresh(detail.reload, concerns);

  if (detail.error?.status === 404) {
    return (
      <EmptyState icon={FileQuestion} title="Task not found">
        <p>
          No task <code className="font-mono">{taskId}</code> in{" "}
          <Link className="text-primary underline" href={projectPath(project)}>
            {project}
          </Link>
          .
        </p>
      </EmptyState>
    );
  }
  if (!detail.data) {
    return detail.error ? (
      <ErrorBanner error={detail.error} onRetry={detail.reload} />
    ) : (
      <DetailSkeleton />
    );
  }

  const known = new Set(detail.data.events.map((event) => event.event_id));
  const fresh = live.filter((message) => !message.event_id || !known.has(message.event_id));
  const task = fresh.reduce<Task>((current, message) => applyToTask(current, message), detail.data);
  const events = [
    ...detail.data.events,
    ...fresh.map(asEvent).filter((event): event is TaskEvent => event !== null),
  ];
  const metadata = task.metadata ?? {};

  return (
    <>
      <PageHeader
        eyebrow={
          <Breadcrumbs
            trail={[
              { label: "Projects", href: "/" },
              { label: project, href: projectPath(project) },
            ]}
          />
        }
        title={task.title}
        description={<span className="font-mono text-xs">{task.task_id}</span>}
        actions={<StatusBadge status={task.status} className="px-3 py-1 text-sm" />}
      />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Progress</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-5">
            <div data-testid="detail-progress" data-progress={task.progress}>
              <TaskProgress task={task} className="[&_[data-slot=progress]]:h-2.5" />
            </div>
            {(task.message || task.result) && (
              <p className="text-muted-foreground text-sm">{task.result ?? task.message}</p>
            )}
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
              <Fact label="Started">
                <RelativeTime iso={task.started_at} />
              </Fact>
              <Fact label={task.finished_at ? "Finished" : "Updated"}>
                <RelativeTime iso={task.finished_at ?? task.updated_at} />
              </Fact>
              <Fact label="Duration">
                <span className="tabular-nums">
                  {formatDuration(taskElapsedSeconds(task, now))}
                </span>
              </Fact>
              <Fact label="Events">{events.length}</Fact>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Details</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="flex flex-col gap-3 text-sm">
              <div className="flex items-center gap-2">
                <FolderKanban className="text-muted-foreground size-4" />
                <Link href={projectPath(project)} className="text-primary hover:underline">
                  {project}
                </Link>
              </div>
              <div className="flex items-center gap-2">
                <Bot className="text-muted-foreground size-4" />
                {task.agent}
              </div>
              <div className="flex items-center gap-2">
                <Clock className="text-muted-foreground size-4" />
                {formatTimestamp(task.started_at)}
              </div>
              {hasUsage(task.usage) && <UsageFacts usage={task.usage} />}
            </dl>
          </CardContent>
        </Card>
      </div>
      {task.status === "failed" && (
        <Card className="border-red-500/30" data-testid="error-card">
          <CardHeader>
            <CardTitle className="text-red-700 dark:text-red-300">
              {task.error_type ?? "Error"}
            </CardTitle>
            <p className="text-sm break-words">{task.error_message}</p>
          </CardHeader>
          {detail.data.stack_trace && (
            <CardContent>
              <StackTrace trace={detail.data.stack_trace} />
            </CardContent>
          )}
        </Card>
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Timeline</CardTitle>
          </CardHeader>
          <CardContent>
            <Timeline events={events} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Metadata</CardTitle>
          </CardHeader>
          <CardContent>
            {Object.keys(metadata).length > 0 ? (
              <Metadata metadata={metadata} />
            ) : (
              <p className="text-muted-foreground text-sm">No metadata reported.</p>
            )}
            {task.metadata_truncated ? (
              <p className="text-muted-foreground mt-2 text-sm">
                Some events&apos; metadata was not merged: a task keeps at most 1,000 keys and 64
                KiB. The timeline shows every event&apos;s own.
              </p>
            ) : null}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
