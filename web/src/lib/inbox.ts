/** The inbox: which tasks need a person, when a live message may change it, and which tasks
 * newly started waiting (for browser notifications). */
import type { Inbox, InboxReason, TaskStatus } from "@/api/types";
import type { TaskMessage } from "@/live/messages";

export const INBOX_PATH = "/api/inbox";
export const INBOX_DISMISS_PATH = "/api/inbox/dismiss";
/** Tasks the navigation's count loads: enough to know which tasks are in a usual inbox. */
export const INBOX_COUNT_PAGE = 100;

export const INBOX_REASONS: readonly InboxReason[] = ["needs_input", "failed", "stale"];
const IN_INBOX = new Set<TaskStatus>(INBOX_REASONS);

/** Failed or stale tasks may be dismissed; one needing input leaves with its next event. */
export function dismissible(reason: InboxReason): boolean {
  return reason !== "needs_input";
}

function taskKey(project: string, taskId: string): string {
  return `${project}\u0000${taskId}`;
}

/** Whether a live message may change `inbox` as loaded: one that puts a task in the inbox, one
 * about a task listed in it, or any message while the inbox has more tasks than were loaded
 * (the task it is about may be one of them). Before the first answer, every message does. */
export function inboxConcerns(inbox: Inbox | undefined): (message: TaskMessage) => boolean {
  if (!inbox) return () => true;
  if (inbox.tasks.length < inbox.total) return () => true;
  const listed = new Set(inbox.tasks.map((task) => taskKey(task.project, task.task_id)));
  return (message) =>
    IN_INBOX.has(message.data.status) ||
    listed.has(taskKey(message.data.project, message.data.task_id));
}

/** The navigation's badge: the count, "99+" past 99, nothing when the inbox is empty. */
export function inboxBadge(total: number | undefined): string | null {
  if (!total || total <= 0) return null;
  return total > 99 ? "99+" : String(total);
}

/** Seconds since `since`, never negative (an agent's clock may run ahead). */
export function waitedSeconds(since: string, now: number): number {
  const then = Date.parse(since);
  return Number.isNaN(then) ? 0 : Math.max(0, (now - then) / 1000);
}

/** Follows the live messages and tells which tasks newly started waiting on a person: a task's
 * first `needs_input`, or one after it had moved on. A message older than the task's newest one
 * seen changes nothing (as in the lifecycle rule). Remembers at most `maxTasks` tasks. */
export class NewWaits {
  private readonly tasks = new Map<string, { at: number; waiting: boolean }>();

  constructor(private readonly maxTasks = 5000) {}

  /** Of a batch, the messages that put a task newly in need of input (the last one per task). */
  take(messages: readonly TaskMessage[]): TaskMessage[] {
    const started = new Map<string, TaskMessage>();
    for (const message of messages) {
      const key = taskKey(message.data.project, message.data.task_id);
      const at = Date.parse(message.timestamp);
      const known = this.tasks.get(key);
      if (known && at < known.at) continue;
      const waiting = message.data.status === "needs_input";
      if (waiting && !known?.waiting) started.set(key, message);
      if (!waiting) started.delete(key);
      this.tasks.delete(key); // to the end: the oldest-touched task is forgotten first
      this.tasks.set(key, { at, waiting });
    }
    while (this.tasks.size > this.maxTasks) {
      const oldest = this.tasks.keys().next().value;
      if (oldest === undefined) break;
      this.tasks.delete(oldest);
    }
    return [...started.values()];
  }
}
