/** The REST API's answers, as documented in the README ("API"). */

export const TASK_STATUSES = [
  "pending",
  "running",
  "paused",
  "completed",
  "failed",
  "stale",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const ACTIVE_STATUSES: readonly TaskStatus[] = ["pending", "running", "paused"];

export interface Project {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface Task {
  id: number;
  task_id: string;
  title: string;
  status: TaskStatus;
  progress: number;
  started_at: string | null;
  project: string;
  agent: string;
  message: string | null;
  result: string | null;
  error_type: string | null;
  error_message: string | null;
  metadata: Record<string, unknown> | null;
  /** Some metadata was not merged (the task's bound) or, in lists, not shown. */
  metadata_truncated?: boolean;
  finished_at: string | null;
  duration_seconds: number | null;
  updated_at: string;
  /** When the task's newest event happened; older events only add history. */
  last_event_at?: string | null;
}

export type EventKind = "start" | "status" | "finish" | "error";

export interface TaskEvent {
  event_id: string;
  kind: EventKind;
  agent: string;
  occurred_at: string;
  received_at: string;
  payload: Record<string, unknown>;
}

export interface TaskDetail extends Task {
  stack_trace: string | null;
  events: TaskEvent[];
}

export interface Agent {
  name: string;
  first_seen: string;
  last_seen: string;
  projects: string[];
  total_tasks: number;
  active_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
  success_rate: number | null;
}

export interface Stats {
  total_projects: number;
  total_tasks: number;
  active_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
  average_duration: number | null;
}

export interface ProjectStats extends Stats {
  project: string;
  stale_tasks: number;
  success_rate: number | null;
}

export interface Outcomes {
  completed_tasks: number;
  failed_tasks: number;
  success_rate: number | null;
  durations: {
    count: number;
    average: number | null;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    longest: number | null;
  };
}

export interface ErrorType {
  error_type: string;
  count: number;
  last_seen: string;
  latest_message: string;
}

export type Bucket = "minute" | "hour" | "day";

export interface TimeSeries {
  bucket: Bucket;
  since: string;
  until: string;
  points: { start: string; started: number; completed: number; failed: number }[];
}

/** `GET /api/dead-letters/summary` (admin keys only). */
export interface DeadLetterSummary {
  count: number;
  oldest_failed_at: string | null;
  oldest_age_seconds: number | null;
}
