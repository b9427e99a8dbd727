import { describe, expect, it } from "vitest";
import type { BudgetStatus, ProjectSettings } from "@/api/types";
import type { BudgetCrossedMessage } from "@/live/messages";
import {
  budgetCrossedText,
  budgetDraft,
  budgetHint,
  budgetLabel,
  budgetLevel,
  budgetProblems,
  settingsWithBudget,
} from "./budget";

const status: BudgetStatus = {
  budget: { period: "month", amount: 500, currency: "USD" },
  period_start: "2026-12-01",
  period_end: "2027-01-01",
  spent: 412.5,
  percent: 82.5,
  crossed: [80],
};

function crossed(threshold: number, period: "day" | "month"): BudgetCrossedMessage {
  return {
    type: "budget_crossed",
    data: {
      project: "my-app",
      period,
      period_start: "2026-12-01",
      threshold_percent: threshold,
      amount: 500,
      spent: threshold === 100 ? 512 : 400,
      currency: "USD",
      crossed_at: "2026-12-03T10:00:00Z",
    },
    timestamp: "2026-12-03T10:00:00Z",
  };
}

describe("budgets", () => {
  it("warns from 80 % and is over from 100 %", () => {
    expect([0, 79.99, 80, 99.9, 100, 250].map(budgetLevel)).toEqual([
      "within",
      "within",
      "warning",
      "warning",
      "over",
      "over",
    ]);
  });

  it("reads the share spent, rounded down, and what it is of", () => {
    expect(budgetLabel({ ...status, percent: 99.99 })).toBe("99% of budget");
    expect(budgetHint(status)).toBe("$412.50 of $500.00 spent this month");
    expect(budgetHint({ ...status, budget: { ...status.budget, period: "day" } })).toBe(
      "$412.50 of $500.00 spent today",
    );
  });

  it("says which threshold a project crossed", () => {
    expect(budgetCrossedText(crossed(80, "month"))).toBe(
      "my-app has spent 80% of its monthly budget ($400.00 of $500.00)",
    );
    expect(budgetCrossedText(crossed(100, "day"))).toBe(
      "my-app has used up its daily budget ($512.00 of $500.00)",
    );
  });
});

describe("the budget form", () => {
  const settings: ProjectSettings = {
    stale_after_seconds: 900,
    event_retention_days: null,
    budget: { period: "day", amount: 25, currency: "EUR" },
    effective_stale_after_seconds: 900,
    effective_event_retention_days: null,
  };

  it("starts from the saved budget, or an empty monthly one in USD", () => {
    expect(budgetDraft(settings)).toEqual({ period: "day", amount: "25", currency: "EUR" });
    expect(budgetDraft({ ...settings, budget: null })).toEqual({
      period: "month",
      amount: "",
      currency: "USD",
    });
  });

  it("names what is wrong, by field", () => {
    expect(budgetProblems({ period: "day", amount: "12.5", currency: "usd" })).toEqual({});
    expect(Object.keys(budgetProblems({ period: "day", amount: "0", currency: "US" }))).toEqual([
      "amount",
      "currency",
    ]);
    expect(budgetProblems({ period: "day", amount: "abc", currency: "USD" }).amount).toBeTruthy();
    expect(budgetProblems({ period: "day", amount: "2e9", currency: "USD" }).amount).toBeTruthy();
  });

  it("keeps the other settings when it sets or removes the budget", () => {
    expect(
      settingsWithBudget(settings, { period: "month", amount: "500", currency: "usd " }),
    ).toEqual({
      stale_after_seconds: 900,
      event_retention_days: null,
      budget: { period: "month", amount: 500, currency: "USD" },
    });
    expect(settingsWithBudget(settings, null).budget).toBeNull();
  });
});
