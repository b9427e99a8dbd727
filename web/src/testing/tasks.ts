/** Tasks and live messages for unit tests, with defaults for every field. */

import type { Task } from "@/api/types";
import type { TaskMessage } from "@/live/messages";
import type { TaskFilter } from "@/live/taskList";

export const filter: TaskFilter = {
  project: "my-app",
  statuses: [],
  agent: "",
  q: "",
  sort: "started",
};

export function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 7,
    task_id: "t-1",
    title: "Process data",
    status: "running",
    progress: 10,
    started_at: "2026-01-01T10:00:00Z",
    project: "my-app",
    agent: "bot",
    message: null,
    result: null,
    error_type: null,
    error_message: null,
    metadata: null,
    metadata_truncated: false,
    finished_at: null,
    duration_seconds: null,
    updated_at: "2026-01-01T10:00:00Z",
    last_event_at: null,
    usage: null,
    ...overrides,
  };
}

export function message(
  type: TaskMessage["type"],
  data: Partial<TaskMessage["data"]> = {},
  timestamp = "2026-01-01T10:05:00Z",
): TaskMessage {
  const status = {
    task_started: "running",
    task_status: "running",
    task_finished: "completed",
    task_error: "failed",
    task_stale: "stale",
  } as const;
  return {
    type,
    timestamp,
    data: {
      task_id: "t-1",
      title: "Process data",
      project: "my-app",
      agent: "bot",
      status: status[type],
      ...data,
    },
  };
}
