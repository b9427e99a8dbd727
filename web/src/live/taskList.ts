/** Applying live messages to tasks already loaded over REST. Pure functions; where a task goes
 * in a list, and how many are kept, is `taskWindow.ts`. */

import type { Task, TaskStatus } from "@/api/types";
import { addUsage } from "@/lib/usage";
import type { TaskMessage } from "./messages";

export type TaskSort = "started" | "updated" | "duration";

export interface TaskFilter {
  project: string;
  statuses: readonly TaskStatus[];
  agent: string;
  q: string;
  sort: TaskSort;
}

const TERMINAL: readonly TaskStatus[] = ["completed", "failed"];

function newTask(message: TaskMessage): Task {
  const { data, timestamp } = message;
  return {
    id: 0,
    task_id: data.task_id,
    title: data.title,
    status: data.status,
    progress: 0,
    started_at: null,
    project: data.project,
    agent: data.agent,
    message: null,
    result: null,
    error_type: null,
    error_message: null,
    metadata: null,
    metadata_truncated: false,
    finished_at: null,
    duration_seconds: null,
    updated_at: timestamp,
    last_event_at: null,
    usage: null,
  };
}

/** When the task started, once `message` is known: the earliest start; the first event of a
 * task never started stands in for it (a finish minus its reported duration). */
function startedAt(task: Task, message: TaskMessage): string | null {
  const at = message.timestamp;
  if (message.type === "task_started") {
    const start = message.data.started_at ?? at;
    return task.started_at && Date.parse(task.started_at) <= Date.parse(start)
      ? task.started_at
      : start;
  }
  if (task.started_at) return task.started_at;
  const before = message.type === "task_finished" ? (message.data.duration_seconds ?? 0) : 0;
  return new Date(Date.parse(at) - before * 1000).toISOString();
}

/** The task after `message`, by the lifecycle rule every part of the tracker follows (stated
 * in libs/contracts, `_lifecycle.py`, and pinned by the cases in
 * libs/contracts/vectors/lifecycle.json, which the server's fold passes too): a message older
 * than the task's newest event only moves its start earlier; a finished or failed task is only
 * replaced by a newer outcome, never reopened by a status or a start. Usage is added whenever
 * its event happened. Returns `task` itself for an older message that neither moves its start
 * nor reports usage. */
export function applyToTask(task: Task | undefined, message: TaskMessage): Task {
  const { data, timestamp: at } = message;
  const base = task ?? newTask(message);
  if (message.type === "task_stale") {
    // A notice, not an event: the task fell silent; its next event revives it.
    const { title, agent, status, progress } = data;
    return { ...base, title, agent, status, progress: progress ?? base.progress };
  }
  const started_at = startedAt(base, message);
  // Usage adds up whenever its event happened, as the task's totals on the server do.
  const usage = data.usage ? addUsage(base.usage, data.usage) : base.usage;
  const newest = !base.last_event_at || Date.parse(at) >= Date.parse(base.last_event_at);
  if (!newest) {
    return started_at === base.started_at && usage === base.usage
      ? base
      : { ...base, started_at, usage };
  }

  const next: Task = {
    ...base,
    started_at,
    usage,
    title: data.title,
    agent: data.agent,
    updated_at: at,
    last_event_at: at,
  };
  const ends = message.type === "task_finished" || message.type === "task_error";
  if (!ends && TERMINAL.includes(base.status)) return next;
  next.status = data.status;
  switch (message.type) {
    case "task_status":
      if (data.progress != null) next.progress = data.progress;
      if (data.message != null) next.message = data.message;
      break;
    case "task_finished":
      next.progress = 100;
      next.finished_at = data.finished_at ?? at;
      next.duration_seconds = data.duration_seconds ?? null;
      next.error_type = null;
      next.error_message = null;
      break;
    case "task_error":
      next.finished_at = at;
      next.duration_seconds = null;
      next.error_type = data.error_type ?? null;
      next.error_message = data.error_message ?? null;
      break;
  }
  return next;
}

export function matchesFilter(task: Task, filter: TaskFilter): boolean {
  if (task.project !== filter.project) return false;
  if (filter.statuses.length > 0 && !filter.statuses.includes(task.status)) return false;
  if (filter.agent && task.agent !== filter.agent) return false;
  if (filter.q && !task.title.toLowerCase().includes(filter.q.toLowerCase())) return false;
  return true;
}
