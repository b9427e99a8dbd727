/** The dead-letter notice: what an admin is told when events could not be applied. */
import type { DeadLetterSummary } from "@/api/types";
import { formatCount, relativeTime } from "./format";

export const DEAD_LETTER_SUMMARY_PATH = "/api/dead-letters/summary";
/** How often the notice asks again, while the key may see dead letters. */
export const DEAD_LETTER_POLL_MS = 30_000;

export interface DeadLetterNotice {
  label: string;
  hint: string;
}

/** Nothing to say when none wait; otherwise how many, and how old the oldest is. */
export function deadLetterNotice(
  summary: DeadLetterSummary | undefined,
  now: number = Date.now(),
): DeadLetterNotice | null {
  if (!summary || summary.count <= 0) return null;
  const many = summary.count === 1 ? "1 event" : `${formatCount(summary.count)} events`;
  const oldest = summary.oldest_failed_at
    ? ` The oldest failed ${relativeTime(summary.oldest_failed_at, now)}.`
    : "";
  return {
    label: summary.count === 1 ? "1 dead letter" : `${formatCount(summary.count)} dead letters`,
    hint:
      `${many} could not be applied and ${summary.count === 1 ? "waits" : "wait"} for an admin.` +
      `${oldest} Inspect, re-drive or discard them with make dead-letters (README, Operating).`,
  };
}

/** Keys that may not see dead letters (403) or a gateway without them (404) are not asked
 * again; other failures (the gateway away) are retried at the next poll. */
export function keepsAsking(status: number | undefined): boolean {
  return status !== 403 && status !== 404;
}
