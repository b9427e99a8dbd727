import { describe, expect, it } from "vitest";
import { formatDuration, formatPercent, relativeTime, taskElapsedSeconds } from "./format";

const NOW = Date.parse("2026-01-01T12:00:00Z");

describe("relativeTime", () => {
  it.each([
    ["2026-01-01T11:59:30Z", "just now"],
    ["2026-01-01T11:57:00Z", "3 min ago"],
    ["2026-01-01T10:00:00Z", "2 h ago"],
    ["2025-12-31T12:00:00Z", "1 day ago"],
    ["2025-12-27T12:00:00Z", "5 days ago"],
    ["2026-01-01T12:10:00Z", "in 10 min"],
    ["2026-01-01T12:00:20Z", "in 20 s"],
    ["2026-01-01T12:00:00.300Z", "in 1 s"],
  ])("%s reads %s", (iso, text) => {
    expect(relativeTime(iso, NOW)).toBe(text);
  });

  it("shows a dash for missing or broken times", () => {
    expect(relativeTime(null, NOW)).toBe("—");
    expect(relativeTime("yesterday", NOW)).toBe("—");
  });
});

describe("formatDuration", () => {
  it.each([
    [0.42, "0.4 s"],
    [42.4, "42 s"],
    [185, "3m 05s"],
    [1800, "30m 00s"],
    [7800, "2h 10m"],
    [3 * 86400 + 4 * 3600, "3d 4h"],
  ])("%s s reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("shows a dash for unknown or negative durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-1)).toBe("—");
  });
});

describe("formatPercent", () => {
  it("drops a trailing .0 and keeps other decimals", () => {
    expect(formatPercent(0.897)).toBe("89.7%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(null)).toBe("—");
  });
});

describe("taskElapsedSeconds", () => {
  const started = "2026-01-01T11:00:00Z";
  it("prefers the reported duration", () => {
    expect(
      taskElapsedSeconds({ started_at: started, finished_at: null, duration_seconds: 12 }, NOW),
    ).toBe(12);
  });
  it("measures a finished task from start to end", () => {
    expect(
      taskElapsedSeconds(
        { started_at: started, finished_at: "2026-01-01T11:30:00Z", duration_seconds: null },
        NOW,
      ),
    ).toBe(1800);
  });
  it("counts a running task up to now", () => {
    expect(
      taskElapsedSeconds({ started_at: started, finished_at: null, duration_seconds: null }, NOW),
    ).toBe(3600);
  });
});
