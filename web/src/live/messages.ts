/** What the live feed (`/webhook/ws`) sends, as documented in the README ("WebSocket"). */

import type { TaskStatus, Usage } from "@/api/types";

export const TASK_MESSAGE_TYPES = [
  "task_started",
  "task_status",
  "task_finished",
  "task_error",
  "task_stale",
] as const;
export type TaskMessageType = (typeof TASK_MESSAGE_TYPES)[number];

export interface TaskMessageData {
  task_id: string;
  title: string;
  project: string;
  agent: string;
  status: TaskStatus;
  started_at?: string;
  progress?: number | null;
  message?: string | null;
  duration_seconds?: number | null;
  finished_at?: string;
  error_type?: string;
  error_message?: string;
  last_event_at?: string;
  /** What the event's step used, when it said (status, finish and error only). */
  usage?: Usage;
}

export interface TaskMessage {
  type: TaskMessageType;
  data: TaskMessageData;
  timestamp: string;
  event_id?: string;
  /** Stream position; absent on notices such as `task_stale`. */
  id?: string;
}

export interface HeartbeatMessage {
  type: "heartbeat";
  data: { last_id: string | null };
  timestamp: string;
}

export interface ReplayCompleteMessage {
  type: "replay_complete";
  data: { replayed: number; last_id: string | null };
  timestamp: string;
}

export interface ResyncRequiredMessage {
  type: "resync_required";
  data: { reason: string; oldest_available: string | null };
  timestamp: string;
}

/** A project's spending crossed 80 % or 100 % of its budget (a notice: no stream position). */
export interface BudgetCrossedMessage {
  type: "budget_crossed";
  data: {
    project: string;
    period: "day" | "month";
    period_start: string;
    threshold_percent: number;
    amount: number;
    spent: number;
    currency: string;
    crossed_at: string;
  };
  timestamp: string;
}

export type LiveMessage =
  | TaskMessage
  | HeartbeatMessage
  | ReplayCompleteMessage
  | ResyncRequiredMessage
  | BudgetCrossedMessage;

const KNOWN_TYPES = new Set<string>([
  ...TASK_MESSAGE_TYPES,
  "heartbeat",
  "replay_complete",
  "resync_required",
  "budget_crossed",
]);

/** The message in a frame, or null for anything else (`pong`, unknown types, bad JSON). */
export function parseMessage(text: string): LiveMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) return null;
  if (typeof data !== "object" || data === null) return null;
  return value as LiveMessage;
}

export function isTaskMessage(message: LiveMessage): message is TaskMessage {
  return (TASK_MESSAGE_TYPES as readonly string[]).includes(message.type);
}

/** Orders stream ids (`<ms>-<seq>`): negative when a comes first. Each part is a decimal
 * number without leading zeros, so the longer one is larger and equal lengths compare as
 * text: exact beyond float precision, without a BigInt for every message of a busy feed. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq = "0"] = a.split("-");
  const [bMs, bSeq = "0"] = b.split("-");
  return compareDecimals(aMs, bMs) || compareDecimals(aSeq, bSeq);
}

function compareDecimals(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}
