/** The notification settings of a project (`/api/projects/{project}/notifications…`, served by
 * the notify service): its answers under the names the dashboard uses, generated from the
 * OpenAPI document like those of `types.ts`, and the calls that change settings. */
import type { components } from "./schema";
import { apiGet, apiSend } from "./client";

type Schemas = components["schemas"];

export type Channel = Schemas["ChannelOut"];
export type ChannelType = Channel["type"];
/** The answer to creating a channel: a webhook's signing secret is shown this once. */
export type CreatedChannel = Schemas["CreatedChannelOut"];
export type ChannelIn = Schemas["ChannelIn"];
export type ChannelPatch = Schemas["ChannelPatch"];
/** What can set a notification off; the list grows (budgets), so code keys on these names. */
export type RuleKind = Schemas["RuleKind"];
export type Rule = Schemas["RuleOut"];
export type RuleIn = Schemas["RuleIn"];
export type Delivery = Schemas["DeliveryOut"];
export type DeliveryStatus = Delivery["status"];
export type DeliveryPage = Schemas["DeliveriesOut"];
export type ChannelList = Schemas["ChannelsOut"];
export type RuleList = Schemas["RulesOut"];

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
    /** The delivery of that id as the log shows it now, if it is among the channel's newest. */
    delivery: async (channelId: string, id: string) => {
      const query = { channel_id: channelId, limit: 20 };
      const { data } = await apiGet<DeliveryPage>(path("/deliveries"), apiKey, query);
      return data.items.find((delivery) => delivery.id === id);
    },
    putRule: (kind: RuleKind, body: RuleIn) =>
      apiSend<Rule>("PUT", path(`/rules/${kind}`), apiKey, body),
  };
}

export type NotifyApi = ReturnType<typeof notifyApi>;
