/** How times, durations and rates read on the page. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "3 min ago", "2 h ago", "5 days ago"; future times read "in 20 s", "in 3 min". */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "—";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "—";
  const elapsed = now - then;
  const span = Math.abs(elapsed);
  let text: string;
  if (elapsed < 0 && span < 45 * SECOND) return `in ${Math.max(1, Math.round(span / SECOND))} s`;
  if (span < 45 * SECOND) return "just now";
  if (span < HOUR) text = `${Math.round(span / MINUTE)} min`;
  else if (span < DAY) text = `${Math.round(span / HOUR)} h`;
  else {
    const days = Math.round(span / DAY);
    text = days === 1 ? "1 day" : `${days} days`;
  }
  return elapsed >= 0 ? `${text} ago` : `in ${text}`;
}

/** 0.4 s, 42 s, 3m 05s, 2h 10m, 3d 4h. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 10) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  return `${minutes}m ${String(secs).padStart(2, "0")}s`;
}

/** 0.897 → "89.7%"; null → "—". */
export function formatPercent(rate: number | null | undefined, digits = 1): string {
  if (rate == null || !Number.isFinite(rate)) return "—";
  const value = (rate * 100).toFixed(digits);
  return `${value.replace(/\.0+$/, "")}%`;
}

/** 1234567 → "1,234,567". */
export function formatCount(value: number | null | undefined): string {
  if (value == null) return "—";
  return value.toLocaleString("en-US");
}

/** One formatter for every timestamp: building one per call is slow on busy pages. */
const TIMESTAMP = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** A full local date and time, for tooltips and the timeline. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return TIMESTAMP.format(date);
}

interface Timed {
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
}

/** Seconds a task took (as reported, else measured), or has been running for until `now`. */
export function taskElapsedSeconds(task: Timed, now: number = Date.now()): number | null {
  if (task.duration_seconds != null) return task.duration_seconds;
  if (!task.started_at) return null;
  const start = Date.parse(task.started_at);
  const end = task.finished_at ? Date.parse(task.finished_at) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return Math.max(0, (end - start) / 1000);
}
