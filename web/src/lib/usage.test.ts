import { describe, expect, it } from "vitest";
import type { UsageShare } from "@/api/types";
import {
  costBars,
  costPoints,
  eventUsageLine,
  formatCost,
  formatCosts,
  formatTokens,
  hasUsage,
  totalTokens,
  usageLine,
} from "./usage";

const none = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost: {},
};

describe("usage", () => {
  it("counts every kind of token", () => {
    expect(
      totalTokens({ ...none, input_tokens: 1200, output_tokens: 340, cache_read_tokens: 5000 }),
    ).toBe(6540);
    expect(totalTokens(null)).toBe(0);
  });

  it("shortens large token counts", () => {
    expect(formatTokens(950)).toBe("950");
    expect(formatTokens(12_345)).toBe("12.3k");
    expect(formatTokens(123_456)).toBe("123k");
    expect(formatTokens(4_200_000)).toBe("4.2M");
  });

  it("keeps the significant digits of small costs", () => {
    expect(formatCost(0.0123, "USD")).toBe("$0.0123");
    expect(formatCost(12.4, "EUR")).toBe("€12.40");
    expect(formatCost(0, "USD")).toBe("$0.00");
    expect(formatCost(1.5, "XTS")).toMatch(/1\.50/);
  });

  it("never adds currencies together", () => {
    expect(formatCosts({ EUR: 0.4, USD: 1.25 })).toBe("$1.25 + €0.40");
    expect(formatCosts({})).toBe("");
  });

  it("shows a task's totals only when it reported usage", () => {
    expect(hasUsage(null)).toBe(false);
    expect(hasUsage(none)).toBe(false);
    expect(usageLine(none)).toBe("");
    expect(usageLine({ ...none, output_tokens: 12_345, cost: { USD: 0.0123 } })).toBe(
      "12.3k tokens · $0.0123",
    );
    expect(usageLine({ ...none, cost: { USD: 2 } })).toBe("$2.00");
  });

  it("describes one event's usage", () => {
    expect(
      eventUsageLine({
        model: "m",
        input_tokens: 1200,
        output_tokens: 340,
        cost: 0.0123,
        currency: "USD",
      }),
    ).toBe("m · 1.2k in · 340 out · $0.0123");
    expect(eventUsageLine(null)).toBe("");
  });

  it("charts the cost of one currency and every token per bucket", () => {
    const points = [
      { start: "2026-01-01T00:00:00Z", ...none, input_tokens: 5, cost: { USD: 1.5, EUR: 9 } },
      { start: "2026-01-02T00:00:00Z", ...none },
    ];
    expect(costPoints(points, "USD", (start) => start.slice(0, 10))).toEqual([
      { label: "2026-01-01", cost: 1.5, tokens: 5 },
      { label: "2026-01-02", cost: 0, tokens: 0 },
    ]);
  });

  it("ranks a breakdown by cost, then tokens", () => {
    const shares: UsageShare[] = [
      { key: "small", ...none, output_tokens: 10, cost: { USD: 1 } },
      { key: "", ...none, output_tokens: 99 },
      { key: "big", ...none, cost: { USD: 5, EUR: 1 } },
      { key: "tokens", ...none, input_tokens: 500 },
    ];
    expect(costBars(shares, "USD", 3).map((bar) => [bar.name, bar.cost, bar.tokens])).toEqual([
      ["big", 5, 0],
      ["small", 1, 10],
      ["tokens", 0, 500],
    ]);
  });
});
