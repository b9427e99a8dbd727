import { describe, expect, it } from "vitest";
import type { Channel, Rule } from "@/api/notify";
import {
  channelBody,
  channelProblems,
  deliveryQuery,
  EMPTY_CHANNEL,
  emailList,
  ruleBody,
  ruleDraft,
  ruleProblem,
  rulesByKind,
} from "./notifyForms";

function channel(id: string): Channel {
  return {
    id,
    name: id,
    type: "webhook",
    enabled: true,
    target: "https://example.org/…",
    created_at: "2026-01-01T00:00:00Z",
    last_delivery: null,
  };
}

describe("channel form", () => {
  it("names each missing field", () => {
    expect(channelProblems(EMPTY_CHANNEL)).toEqual({
      name: "Give the channel a name.",
      url: "Enter the URL to send to.",
    });
    expect(channelProblems({ ...EMPTY_CHANNEL, name: "ops", type: "email" })).toEqual({
      to: "Enter at least one address.",
    });
  });

  it("takes only http(s) URLs, and https for Slack", () => {
    const draft = { ...EMPTY_CHANNEL, name: "ops" };
    expect(channelProblems({ ...draft, url: "hooks.example.org/x" }).url).toMatch(/full URL/);
    expect(channelProblems({ ...draft, url: "ftp://example.org/x" }).url).toBe(
      "Only http(s) URLs.",
    );
    expect(channelProblems({ ...draft, url: "http://example.org/hook" })).toEqual({});
    expect(channelProblems({ ...draft, type: "slack", url: "http://hooks.slack.com/x" }).url).toBe(
      "Slack webhook URLs use https.",
    );
  });

  it("refuses a name over 100 characters", () => {
    const draft = { ...EMPTY_CHANNEL, name: "x".repeat(101), url: "https://example.org" };
    expect(channelProblems(draft).name).toBe("At most 100 characters.");
    expect(channelProblems({ ...draft, name: "x".repeat(100) })).toEqual({});
  });

  it("splits addresses on commas, semicolons and spaces, and names a wrong one", () => {
    expect(emailList(" a@x.org, b@y.org;c@z.org\nd@w.org ")).toEqual([
      "a@x.org",
      "b@y.org",
      "c@z.org",
      "d@w.org",
    ]);
    const draft = { ...EMPTY_CHANNEL, name: "team", type: "email" as const };
    expect(channelProblems({ ...draft, to: "a@x.org, nobody" }).to).toBe(
      "Not an email address: nobody",
    );
    const many = Array.from({ length: 21 }, (_, n) => `p${n}@x.org`);
    expect(channelProblems({ ...draft, to: many.join(", ") }).to).toBe("At most 20 addresses.");
    expect(channelProblems({ ...draft, to: many.slice(1).join(", ") })).toEqual({});
  });

  it("sends a URL or a list of addresses, trimmed, enabled", () => {
    expect(
      channelBody({ name: " ops ", type: "slack", url: " https://hooks.slack.com/s ", to: "" }),
    ).toEqual({ name: "ops", type: "slack", url: "https://hooks.slack.com/s", enabled: true });
    expect(
      channelBody({ name: "team", type: "email", url: "ignored", to: "a@x.org, b@y.org" }),
    ).toEqual({ name: "team", type: "email", to: ["a@x.org", "b@y.org"], enabled: true });
  });
});

describe("rules form", () => {
  it("lists every kind, with the defaults where the service sent none", () => {
    const saved: Rule = {
      kind: "task_finished",
      enabled: true,
      after_minutes: null,
      channel_ids: ["ch_1"],
    };
    const rules = rulesByKind([saved]);
    expect(rules.map((rule) => rule.kind)).toEqual([
      "task_failed",
      "task_stale",
      "needs_input",
      "task_finished",
      "budget_crossed",
    ]);
    expect(rules[2]).toEqual({
      kind: "needs_input",
      enabled: true,
      after_minutes: 5,
      channel_ids: [],
    });
    expect(rules[3]).toBe(saved);
    expect(rulesByKind(undefined)[3].enabled).toBe(false);
  });

  it("wants whole minutes of 0 or more for waiting for input", () => {
    const draft = ruleDraft(rulesByKind([])[2]);
    expect(draft.afterMinutes).toBe("5");
    expect(ruleProblem("needs_input", draft)).toBeUndefined();
    expect(ruleProblem("needs_input", { ...draft, afterMinutes: "0" })).toBeUndefined();
    for (const wrong of ["", "-1", "2.5", "soon"]) {
      expect(ruleProblem("needs_input", { ...draft, afterMinutes: wrong })).toBe(
        "Enter whole minutes, 0 or more.",
      );
    }
    expect(ruleProblem("needs_input", { ...draft, afterMinutes: "20000" })).toMatch(/a week/);
    // Other kinds have no minutes to check.
    expect(ruleProblem("task_failed", { ...draft, afterMinutes: "" })).toBeUndefined();
  });

  it("sends to every channel with an empty list, or to those chosen that still exist", () => {
    const draft = ruleDraft(rulesByKind([])[0]);
    expect(draft.everyChannel).toBe(true);
    const channels = [channel("ch_1"), channel("ch_2")];
    expect(ruleBody("task_failed", draft, channels)).toEqual({ enabled: true, channel_ids: [] });
    const chosen = { ...draft, everyChannel: false, channelIds: ["ch_2", "ch_gone"] };
    expect(ruleBody("task_failed", chosen, channels)).toEqual({
      enabled: true,
      channel_ids: ["ch_2"],
    });
    expect(ruleProblem("task_failed", { ...chosen, channelIds: [] })).toMatch(/at least one/);
  });

  it("sends the minutes of waiting for input as a number", () => {
    const draft = { ...ruleDraft(rulesByKind([])[2]), afterMinutes: " 15 ", enabled: false };
    expect(ruleBody("needs_input", draft, [])).toEqual({
      enabled: false,
      after_minutes: 15,
      channel_ids: [],
    });
  });
});

describe("delivery log filter", () => {
  it("leaves out what is not filtered on", () => {
    expect(deliveryQuery({ channelId: "", status: "", before: null })).toEqual({
      channel_id: undefined,
      status: undefined,
      limit: 50,
      before: null,
    });
    expect(deliveryQuery({ channelId: "ch_1", status: "failed", before: "dl_9" })).toEqual({
      channel_id: "ch_1",
      status: "failed",
      limit: 50,
      before: "dl_9",
    });
  });
});
