/** The notification settings of a project (`/api/projects/{project}/notifications…`, served by
 * the notify service). The types are written from the agreed contract; once the service's
 * OpenAPI document joins the generated `schema.d.ts`, they become aliases of its schemas here,
 * and nothing else changes. */
import { apiSend } from "./client";

export type ChannelType = "webhook" | "slack" | "email";
/** What can set a notification off; the list grows (budgets), so code keys on these names. */
export type RuleKind = "task_failed" | "task_stale" | "needs_input" | "task_finished";
export type DeliveryStatus = "pending" | "retrying" | "sent" | "failed";

export interface LastDelivery {
  status: DeliveryStatus;
  at: string;
  response_code: number | null;
}

export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  /** Webhook and Slack: the URL masked after its host; email: the addresses. */
  target: string;
  created_at: string;
  last_delivery: LastDelivery | null;
}

/** The answer to creating a channel: a webhook's signing secret is shown this once. */
export interface CreatedChannel extends Channel {
  secret?: string | null;
}

export type ChannelIn =
  | { name: string; type: "webhook" | "slack"; url: string; enabled: boolean }
  | { name: string; type: "email"; to: string[]; enabled: boolean };

export interface ChannelPatch {
  name?: string;
  enabled?: boolean;
  url?: string;
  to?: string[];
}

export interface Rule {
  kind: RuleKind;
  enabled: boolean;
  /** `needs_input` only: minutes a task may wait for input before it is told. */
  after_minutes: number | null;
  /** Empty: every enabled channel of the project. */
  channel_ids: string[];
}

export interface RuleIn {
  enabled: boolean;
  after_minutes?: number | null;
  channel_ids?: string[];
}

export interface Delivery {
  id: string;
  channel_id: string;
  channel_name: string;
  kind: RuleKind | "test";
  task_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  response_code: number | null;
  error: string | null;
  created_at: string;
  sent_at: string | null;
  next_attempt_at: string | null;
  summary: string;
}

export interface DeliveryPage {
  items: Delivery[];
  /** Pass as `before` for the next, older page; null on the last one. */
  next_before: string | null;
}

export interface DeliveryQuery {
  channel_id?: string;
  status?: DeliveryStatus | "";
  limit?: number;
  before?: string | null;
}

export function notificationsPath(project: string, rest = ""): string {
  return `/api/projects/${encodeURIComponent(project)}/notifications${rest}`;
}

/** The calls that change settings or read one answer; lists that a page shows and reloads are
 * read with `useApi` on `notificationsPath(…)`. */
export function notifyApi(project: string, apiKey: string) {
  const path = (rest: string) => notificationsPath(project, rest);
  const channel = (id: string, rest = "") => path(`/channels/${encodeURIComponent(id)}${rest}`);
  return {
    createChannel: (body: ChannelIn) =>
      apiSend<CreatedChannel>("POST", path("/channels"), apiKey, body),
    updateChannel: (id: string, patch: ChannelPatch) =>
      apiSend<Channel>("PATCH", channel(id), apiKey, patch),
    deleteChannel: (id: string) => apiSend<undefined>("DELETE", channel(id), apiKey),
    testChannel: (id: string) => apiSend<Delivery>("POST", channel(id, "/test"), apiKey),
    putRule: (kind: RuleKind, body: RuleIn) =>
      apiSend<Rule>("PUT", path(`/rules/${kind}`), apiKey, body),
  };
}

export type NotifyApi = ReturnType<typeof notifyApi>;
