/** Applying live messages to tasks already loaded over REST. Pure functions; where a task goes
 * in a list, and how many are kept, is `taskWindow.ts`. */

import type { Task, TaskStatus } from "@/api/types";
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

/** The task after `message`, following the server's rules: a finished task is only replaced
 * by a later outcome, never reopened by a status or a start. */
export function applyToTask(task: Task | undefined, message: TaskMessage): Task {
  const { data, timestamp } = message;
  const base: Task = task ?? {
    id: 0,
    task_id: data.task_id,
    title: data.title,
    status: data.status,
    progress: 0,
    started_at: data.started_at ?? timestamp,
    project: data.project,
    agent: data.agent,
    message: null,
    result: null,
    error_type: null,
    error_message: null,
    metadata: null,
    finished_at: null,
    duration_seconds: null,
    updated_at: timestamp,
  };
  const ends = message.type === "task_finished" || message.type === "task_error";
  if (task && TERMINAL.includes(task.status)) {
    const later =
      ends && (!task.finished_at || Date.parse(timestamp) >= Date.parse(task.finished_at));
    if (!later) return task;
  }
  const next: Task = {
    ...base,
    title: data.title,
    agent: data.agent,
    status: data.status,
    updated_at: timestamp,
  };
  switch (message.type) {
    case "task_started":
      next.started_at = task?.started_at ?? data.started_at ?? timestamp;
      break;
    case "task_status":
      if (data.progress != null) next.progress = data.progress;
      if (data.message != null) next.message = data.message;
      break;
    case "task_finished":
      next.progress = 100;
      next.finished_at = data.finished_at ?? timestamp;
      next.duration_seconds = data.duration_seconds ?? null;
      next.error_type = null;
      next.error_message = null;
      break;
    case "task_error":
      next.finished_at = timestamp;
      next.error_type = data.error_type ?? null;
      next.error_message = data.error_message ?? null;
      break;
    case "task_stale":
      if (data.progress != null) next.progress = data.progress;
      next.updated_at = task?.updated_at ?? timestamp;
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
