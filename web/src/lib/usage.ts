/** How tokens and cost read on the page: one task's totals, one event's usage, a breakdown. */

import type { Usage, UsageSeries, UsageShare, UsageTotals } from "@/api/types";

const TOKEN_KINDS = [
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
] as const;

type TokenCounts = Partial<Record<(typeof TOKEN_KINDS)[number], number | null>>;

/** Every token of every kind: input, output and cache reads and writes. */
export function totalTokens(usage: TokenCounts | null | undefined): number {
  if (!usage) return 0;
  return TOKEN_KINDS.reduce((sum, kind) => sum + (usage[kind] ?? 0), 0);
}

/** 950 → "950", 12_345 → "12.3k", 4_200_000 → "4.2M". */
export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  const [value, unit] =
    count < 1e6 ? [count / 1e3, "k"] : count < 1e9 ? [count / 1e6, "M"] : [count / 1e9, "B"];
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))}${unit}`;
}

/** An amount in its currency: "$0.0123", "€12.40"; small amounts keep their significant digits. */
export function formatCost(amount: number, currency: string): string {
  const digits = amount === 0 || amount >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(amount)));
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: Math.max(2, digits),
    }).format(amount);
  } catch {
    return `${amount.toFixed(Math.max(2, digits))} ${currency}`;
  }
}

/** Costs per currency, largest first, joined: "$1.25 + €0.40"; "" without any. */
export function formatCosts(cost: Record<string, number> | null | undefined): string {
  return Object.entries(cost ?? {})
    .filter(([, amount]) => amount > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([currency, amount]) => formatCost(amount, currency))
    .join(" + ");
}

/** Whether a task's totals are worth showing: some token or some cost. */
export function hasUsage(usage: UsageTotals | null | undefined): usage is UsageTotals {
  return !!usage && (totalTokens(usage) > 0 || Object.values(usage.cost).some((a) => a > 0));
}

/** A task's totals with one more event's usage added, as the server adds it (a cost counts
 * under its currency, USD when it names none); `totals` itself is left as it is. */
export function addUsage(totals: UsageTotals | null | undefined, usage: Usage): UsageTotals {
  const sum: UsageTotals = {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    ...totals,
    cost: { ...totals?.cost },
  };
  for (const kind of TOKEN_KINDS) sum[kind] += usage[kind] ?? 0;
  if (usage.cost != null) {
    const currency = usage.currency ?? "USD";
    sum.cost[currency] = (sum.cost[currency] ?? 0) + usage.cost;
  }
  return sum;
}

/** One line for a task card or row: "12.3k tokens · $0.0123"; "" when it reported nothing. */
export function usageLine(usage: UsageTotals | null | undefined): string {
  if (!hasUsage(usage)) return "";
  const tokens = totalTokens(usage);
  return [tokens > 0 ? `${formatTokens(tokens)} tokens` : "", formatCosts(usage.cost)]
    .filter(Boolean)
    .join(" · ");
}

/** One event's usage for the timeline: "claude-sonnet-4-5 · 1.2k in · 340 out · $0.0123". */
export function eventUsageLine(usage: Usage | null | undefined): string {
  if (!usage) return "";
  const parts = [
    usage.model ?? "",
    usage.input_tokens ? `${formatTokens(usage.input_tokens)} in` : "",
    usage.output_tokens ? `${formatTokens(usage.output_tokens)} out` : "",
    usage.cache_read_tokens ? `${formatTokens(usage.cache_read_tokens)} cache read` : "",
    usage.cache_write_tokens ? `${formatTokens(usage.cache_write_tokens)} cache write` : "",
    usage.cost != null && usage.currency ? formatCost(usage.cost, usage.currency) : "",
  ];
  return parts.filter(Boolean).join(" · ");
}

export interface CostPoint {
  label: string;
  cost: number;
  tokens: number;
}

/** A usage time series as chart points: the cost in `currency` and every token, per bucket. */
export function costPoints(
  series: UsageSeries["points"],
  currency: string,
  label: (start: string) => string,
): CostPoint[] {
  return series.map((point) => ({
    label: label(point.start),
    cost: point.cost[currency] ?? 0,
    tokens: totalTokens(point),
  }));
}

export interface CostBar {
  name: string;
  cost: number;
  tokens: number;
}

/** A breakdown as bars, costliest first (then most tokens), at most `limit`; usage reported
 * without a model is "unnamed". */
export function costBars(shares: UsageShare[], currency: string, limit = 8): CostBar[] {
  return shares
    .map((share) => ({
      name: share.key || "unnamed",
      cost: share.cost[currency] ?? 0,
      tokens: totalTokens(share),
    }))
    .sort((a, b) => b.cost - a.cost || b.tokens - a.tokens || a.name.localeCompare(b.name))
    .slice(0, limit);
}
