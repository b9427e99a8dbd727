/** How a project's budget reads on the page: the share spent, its tone, the crossing notice. */

import type { BudgetStatus, ProjectSettings, ProjectSettingsChange } from "@/api/types";
import type { BudgetCrossedMessage } from "@/live/messages";
import { formatCost } from "@/lib/usage";

export type BudgetLevel = "within" | "warning" | "over";

/** The thresholds the service announces: 80 % warns, 100 % is over. */
export function budgetLevel(percent: number): BudgetLevel {
  return percent >= 100 ? "over" : percent >= 80 ? "warning" : "within";
}

const PERIOD_NAMES = { day: "today", month: "this month" } as const;

/** "82% of budget". */
export function budgetLabel(status: BudgetStatus): string {
  return `${Math.floor(status.percent)}% of budget`;
}

/** "$412.50 of $500.00 spent this month". */
export function budgetHint(status: BudgetStatus): string {
  const { amount, currency, period } = status.budget;
  return `${formatCost(status.spent, currency)} of ${formatCost(amount, currency)} spent ${PERIOD_NAMES[period]}`;
}

/** The toast for a crossing: "my-app has spent 80% of its monthly budget ($400.00 of $500.00)". */
export function budgetCrossedText({ data }: BudgetCrossedMessage): string {
  const period = data.period === "day" ? "daily" : "monthly";
  const spent = formatCost(data.spent, data.currency);
  const amount = formatCost(data.amount, data.currency);
  return data.threshold_percent >= 100
    ? `${data.project} has used up its ${period} budget (${spent} of ${amount})`
    : `${data.project} has spent ${data.threshold_percent}% of its ${period} budget (${spent} of ${amount})`;
}

/** The budget form as typed. */
export interface BudgetDraft {
  period: "day" | "month";
  amount: string;
  currency: string;
}

export function budgetDraft(settings: ProjectSettings | undefined): BudgetDraft {
  const budget = settings?.budget;
  return budget
    ? { period: budget.period, amount: String(budget.amount), currency: budget.currency }
    : { period: "month", amount: "", currency: "USD" };
}

/** What is wrong with the form, by field; empty when it can be saved. */
export function budgetProblems(draft: BudgetDraft): Partial<Record<keyof BudgetDraft, string>> {
  const problems: Partial<Record<keyof BudgetDraft, string>> = {};
  const amount = Number(draft.amount);
  if (!draft.amount.trim() || !Number.isFinite(amount) || amount <= 0) {
    problems.amount = "An amount above 0.";
  } else if (amount > 1e9) {
    problems.amount = "At most 1,000,000,000.";
  }
  if (!/^[A-Z]{3}$/.test(draft.currency.trim().toUpperCase())) {
    problems.currency = "A three-letter ISO 4217 code, such as USD or EUR.";
  }
  return problems;
}

/** The body of `PUT …/settings` that sets (or, with null, removes) the budget and keeps the
 * project's other settings as they are. */
export function settingsWithBudget(
  settings: ProjectSettings | undefined,
  draft: BudgetDraft | null,
): ProjectSettingsChange {
  return {
    stale_after_seconds: settings?.stale_after_seconds ?? null,
    event_retention_days: settings?.event_retention_days ?? null,
    budget: draft && {
      period: draft.period,
      amount: Number(draft.amount),
      currency: draft.currency.trim().toUpperCase(),
    },
  };
}
