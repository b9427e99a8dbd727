import { Bell, BellOff, CheckCheck, Inbox as InboxIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Link } from "wouter";
import { ApiError, apiSend } from "@/api/client";
import type { InboxReason, InboxTask } from "@/api/types";
import { useApiKey } from "@/auth/KeyContext";
import { EmptyState } from "@/components/EmptyState";
import { ErrorBanner } from "@/components/ErrorBanner";
import { PageHeader } from "@/components/PageHeader";
import { STATUS_LABELS, StatusBadge } from "@/components/StatusBadge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useInbox } from "@/hooks/useInbox";
import { useNow } from "@/hooks/useNow";
import {
  disableNotifications,
  enableNotifications,
  notifyState,
  type NotifyState,
} from "@/lib/browserNotifications";
import { formatCount, formatDuration, formatTimestamp } from "@/lib/format";
import { dismissible, INBOX_DISMISS_PATH, INBOX_REASONS, waitedSeconds } from "@/lib/inbox";
import { cn } from "@/lib/utils";
import { taskPath } from "./TaskTable";

/** Tasks shown at first, and how many more each "Show more" adds (the API's page is at most
 * 500). */
const PAGE = 100;
const MAX_SHOWN = 500;

function NotifyButton() {
  const [state, setState] = useState<NotifyState>(() => notifyState());
  if (state === "unsupported") return null;
  if (state === "denied") {
    return (
      <span className="text-muted-foreground text-xs">
        Notifications are blocked for this site in this browser.
      </span>
    );
  }
  return state === "on" ? (
    <Button variant="outline" size="sm" onClick={() => setState(disableNotifications())}>
      <BellOff /> Stop notifying me
    </Button>
  ) : (
    <Button
      variant="outline"
      size="sm"
      data-testid="inbox-notify"
      onClick={() => void enableNotifications().then(setState)}
    >
      <Bell /> Notify me in this browser
    </Button>
  );
}

function InboxRow({
  task,
  now,
  onDismiss,
}: {
  task: InboxTask;
  now: number;
  onDismiss: ((task: InboxTask) => void) | null;
}) {
  const said =
    task.reason === "failed"
      ? [task.error_type, task.error_message].filter(Boolean).join(": ")
      : task.message;
  return (
    <li
      data-testid="inbox-item"
      data-task-id={task.task_id}
      data-reason={task.reason}
      className="flex flex-col gap-2 border-b px-5 py-4 last:border-b-0 sm:flex-row sm:items-start"
    >
      <div className="flex min-w-0 flex-1 flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <StatusBadge status={task.reason} />
          <Link href={taskPath(task)} className="truncate font-medium hover:underline">
            {task.title}
          </Link>
        </div>
        <div className="text-muted-foreground text-xs">
          {task.agent} in {task.project} · {task.progress}% done
        </div>
        {said && <div className="line-clamp-3 text-sm whitespace-pre-wrap">{said}</div>}
      </div>
      <div className="flex shrink-0 items-center gap-3 sm:flex-col sm:items-end">
        <time
          dateTime={task.since}
          title={`Since ${formatTimestamp(task.since)}`}
          data-testid="inbox-waited"
          className="text-sm font-medium tabular-nums"
        >
          {task.reason === "needs_input" ? "waiting " : "for "}
          {formatDuration(waitedSeconds(task.since, now))}
        </time>
        {onDismiss && dismissible(task.reason) && (
          <Button variant="ghost" size="sm" onClick={() => onDismiss(task)}>
            <CheckCheck /> Dismiss
          </Button>
        )}
      </div>
    </li>
  );
}

export function Inbox() {
  useDocumentTitle("Inbox");
  const { apiKey } = useApiKey();
  const [reason, setReason] = useState<InboxReason | null>(null);
  const [limit, setLimit] = useState(PAGE);
  const [mayDismiss, setMayDismiss] = useState(true);
  const inbox = useInbox({ limit, reason: reason ?? undefined });
  const now = useNow(1000);
  const data = inbox.data;

  const dismiss = async (task: InboxTask) => {
    try {
      await apiSend<undefined>("POST", INBOX_DISMISS_PATH, apiKey ?? "", {
        project: task.project,
        task_id: task.task_id,
      });
      await inbox.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) setMayDismiss(false);
      toast.error(
        error instanceof ApiError && error.status === 403
          ? "Dismissing needs an API key with the admin scope."
          : `Could not dismiss: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  const filters: { value: InboxReason | null; label: string; count: number | undefined }[] = [
    { value: null, label: "All", count: reason === null ? data?.total : undefined },
    ...INBOX_REASONS.map((value) => ({
      value,
      label: STATUS_LABELS[value],
      count: data?.counts[value],
    })),
  ];

  return (
    <>
      <PageHeader
        title="Inbox"
        description="Tasks waiting on a person, failed or gone silent: the oldest first."
        actions={<NotifyButton />}
      />
      {inbox.error && !data && <ErrorBanner error={inbox.error} onRetry={inbox.reload} />}
      <div className="flex flex-wrap gap-2" role="group" aria-label="Reason">
        {filters.map((filter) => (
          <Button
            key={filter.value ?? "all"}
            variant={reason === filter.value ? "default" : "outline"}
            size="sm"
            aria-pressed={reason === filter.value}
            onClick={() => {
              setReason(filter.value);
              setLimit(PAGE);
            }}
          >
            {filter.label}
            {filter.count !== undefined && (
              <span className="tabular-nums opacity-70">{formatCount(filter.count)}</span>
            )}
          </Button>
        ))}
      </div>
      {inbox.loading && !data ? (
        <Skeleton className="h-64 rounded-xl" />
      ) : data && data.tasks.length > 0 ? (
        <Card className="gap-0 py-0">
          <ul data-testid="inbox-list">
            {data.tasks.map((task) => (
              <InboxRow
                key={`${task.project}/${task.task_id}`}
                task={task}
                now={now}
                onDismiss={mayDismiss ? (item) => void dismiss(item) : null}
              />
            ))}
          </ul>
        </Card>
      ) : (
        data && (
          <EmptyState icon={InboxIcon} title="Nothing waits for you" className="py-16">
            <span data-testid="inbox-empty">
              Tasks that need input, fail or fall silent show here until they move on.
            </span>
          </EmptyState>
        )
      )}
      {data && data.tasks.length < (reason ? (data.counts[reason] ?? 0) : data.total) && (
        <div className={cn("flex justify-center", limit >= MAX_SHOWN && "hidden")}>
          <Button variant="outline" onClick={() => setLimit((n) => Math.min(n + PAGE, MAX_SHOWN))}>
            Show more
          </Button>
        </div>
      )}
    </>
  );
}
