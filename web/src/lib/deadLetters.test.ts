import { describe, expect, it } from "vitest";
import { deadLetterNotice, keepsAsking } from "./deadLetters";

const NOW = Date.parse("2026-01-01T12:00:00Z");

describe("deadLetterNotice", () => {
  it("says nothing when no dead letter waits", () => {
    expect(deadLetterNotice(undefined, NOW)).toBeNull();
    expect(
      deadLetterNotice({ count: 0, oldest_failed_at: null, oldest_age_seconds: null }, NOW),
    ).toBeNull();
  });

  it("counts the dead letters and tells the oldest's age and what to do", () => {
    const notice = deadLetterNotice(
      { count: 1234, oldest_failed_at: "2026-01-01T10:00:00Z", oldest_age_seconds: 7200 },
      NOW,
    );
    expect(notice?.label).toBe("1,234 dead letters");
    expect(notice?.hint).toContain("1,234 events could not be applied and wait for an admin.");
    expect(notice?.hint).toContain("The oldest failed 2 h ago.");
    expect(notice?.hint).toContain("make dead-letters");
  });

  it("speaks of one in the singular", () => {
    const notice = deadLetterNotice(
      { count: 1, oldest_failed_at: "2026-01-01T11:59:50Z", oldest_age_seconds: 10 },
      NOW,
    );
    expect(notice?.label).toBe("1 dead letter");
    expect(notice?.hint).toContain("1 event could not be applied and waits");
  });
});

describe("keepsAsking", () => {
  it("stops for keys that may not see dead letters, retries when the gateway is away", () => {
    expect(keepsAsking(403)).toBe(false);
    expect(keepsAsking(404)).toBe(false);
    expect(keepsAsking(0)).toBe(true);
    expect(keepsAsking(503)).toBe(true);
    expect(keepsAsking(undefined)).toBe(true);
  });
});
