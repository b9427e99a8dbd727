/** The notification settings' forms, without React: what a draft must hold before it is sent,
 * and the body it is sent as. Each problem names its field, as the API's 422s do. */
import type {
  Channel,
  ChannelIn,
  ChannelType,
  DeliveryQuery,
  DeliveryStatus,
  Rule,
  RuleIn,
  RuleKind,
} from "@/api/notify";

export const CHANNEL_TYPES: { type: ChannelType; label: string; hint: string }[] = [
  { type: "webhook", label: "Webhook", hint: "A signed JSON POST to your URL" },
  { type: "slack", label: "Slack", hint: "A Slack incoming-webhook URL" },
  { type: "email", label: "Email", hint: "One or more addresses" },
];

export const MAX_CHANNEL_NAME = 100;
export const MAX_RECIPIENTS = 20;

export interface ChannelDraft {
  name: string;
  type: ChannelType;
  url: string;
  /** Addresses separated by commas, semicolons, spaces or lines. */
  to: string;
}

export type DraftProblems = Partial<Record<"name" | "url" | "to", string>>;

export const EMPTY_CHANNEL: ChannelDraft = { name: "", type: "webhook", url: "", to: "" };

// What browsers accept as an email address (the WHATWG `type=email` rule), no more.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function emailList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((address) => address.trim())
    .filter(Boolean);
}

function httpUrlProblem(text: string, type: ChannelType): string | undefined {
  if (!text.trim()) return "Enter the URL to send to.";
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return "Enter a full URL, starting with https://";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Only http(s) URLs.";
  if (type === "slack" && url.protocol !== "https:") return "Slack webhook URLs use https.";
  return undefined;
}

/** What is wrong with a draft, by field; empty when it can be sent. */
export function channelProblems(draft: ChannelDraft): DraftProblems {
  const problems: DraftProblems = {};
  const name = draft.name.trim();
  if (!name) problems.name = "Give the channel a name.";
  else if (name.length > MAX_CHANNEL_NAME) {
    problems.name = `At most ${MAX_CHANNEL_NAME} characters.`;
  }
  if (draft.type === "email") {
    const addresses = emailList(draft.to);
    const wrong = addresses.find((address) => !EMAIL.test(address));
    if (addresses.length === 0) problems.to = "Enter at least one address.";
    else if (wrong) problems.to = `Not an email address: ${wrong}`;
    else if (addresses.length > MAX_RECIPIENTS) {
      problems.to = `At most ${MAX_RECIPIENTS} addresses.`;
    }
  } else {
    const problem = httpUrlProblem(draft.url, draft.type);
    if (problem) problems.url = problem;
  }
  return problems;
}

/** The body that creates the channel of a draft without problems. */
export function channelBody(draft: ChannelDraft): ChannelIn {
  const name = draft.name.trim();
  return draft.type === "email"
    ? { name, type: "email", to: emailList(draft.to), enabled: true }
    : { name, type: draft.type, url: draft.url.trim(), enabled: true };
}

export const RULE_KINDS: {
  kind: RuleKind;
  label: string;
  description: string;
  /** What the service assumes before the rule was ever set. */
  defaults: Omit<Rule, "kind">;
}[] = [
  {
    kind: "task_failed",
    label: "Task failed",
    description: "A task reported an error and ended failed.",
    defaults: { enabled: true, after_minutes: null, channel_ids: [] },
  },
  {
    kind: "task_stale",
    label: "Task went stale",
    description: "A running task fell silent for too long.",
    defaults: { enabled: true, after_minutes: null, channel_ids: [] },
  },
  {
    kind: "needs_input",
    label: "Waiting for input",
    description: "A task has waited for input longer than the minutes set (0: at once).",
    defaults: { enabled: true, after_minutes: 5, channel_ids: [] },
  },
  {
    kind: "task_finished",
    label: "Task finished",
    description: "A task completed.",
    defaults: { enabled: false, after_minutes: null, channel_ids: [] },
  },
  {
    kind: "budget_crossed",
    label: "Budget crossed",
    description: "The project has spent 80 % or 100 % of its budget (set below).",
    defaults: { enabled: true, after_minutes: null, channel_ids: [] },
  },
];

/** The longest wait a rule may set: a week. */
export const MAX_AFTER_MINUTES = 7 * 24 * 60;

export interface RuleDraft {
  enabled: boolean;
  /** As typed; only `needs_input` has one. */
  afterMinutes: string;
  /** Every enabled channel, or only those chosen. */
  everyChannel: boolean;
  channelIds: string[];
}

/** Every kind the page lists, from the service's answer where it has one, else the defaults. */
export function rulesByKind(rules: readonly Rule[] | undefined): Rule[] {
  return RULE_KINDS.map(
    ({ kind, defaults }) => rules?.find((rule) => rule.kind === kind) ?? { kind, ...defaults },
  );
}

export function ruleDraft(rule: Rule): RuleDraft {
  return {
    enabled: rule.enabled,
    afterMinutes: rule.after_minutes == null ? "" : String(rule.after_minutes),
    everyChannel: rule.channel_ids.length === 0,
    channelIds: rule.channel_ids,
  };
}

/** What is wrong with a rule draft, or undefined. */
export function ruleProblem(kind: RuleKind, draft: RuleDraft): string | undefined {
  if (kind === "needs_input") {
    const text = draft.afterMinutes.trim();
    const minutes = Number(text);
    if (!text || !Number.isInteger(minutes) || minutes < 0) {
      return "Enter whole minutes, 0 or more.";
    }
    if (minutes > MAX_AFTER_MINUTES) return `At most ${MAX_AFTER_MINUTES} minutes (a week).`;
  }
  if (!draft.everyChannel && draft.channelIds.length === 0) {
    return "Choose at least one channel, or send to every channel.";
  }
  return undefined;
}

/** The body that saves a rule draft without problems; channels since deleted are left out. */
export function ruleBody(kind: RuleKind, draft: RuleDraft, channels: readonly Channel[]): RuleIn {
  const known = new Set(channels.map((channel) => channel.id));
  return {
    enabled: draft.enabled,
    ...(kind === "needs_input" ? { after_minutes: Number(draft.afterMinutes.trim()) } : {}),
    channel_ids: draft.everyChannel ? [] : draft.channelIds.filter((id) => known.has(id)),
  };
}

export const DELIVERY_STATUSES: DeliveryStatus[] = ["pending", "retrying", "sent", "failed"];
export const DELIVERY_PAGE_SIZE = 50;

/** The deliveries' filter and page, as the query the log is asked with. */
export function deliveryQuery(filter: {
  channelId: string;
  status: DeliveryStatus | "";
  before: string | null;
}): DeliveryQuery {
  return {
    channel_id: filter.channelId || undefined,
    status: filter.status || undefined,
    limit: DELIVERY_PAGE_SIZE,
    before: filter.before,
  };
}
