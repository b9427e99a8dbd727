/** How a project's budget reads on the page: the share spent, its tone, the crossing notice. */

import type { BudgetStatus } from "@/api/types";
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
