import { describe, expect, it } from "vitest";
import type { Inbox, InboxTask, TaskStatus } from "@/api/types";
import type { TaskMessage } from "@/live/messages";
import { dismissible, inboxBadge, inboxConcerns, NewWaits, waitedSeconds } from "./inbox";

function waiting(taskId: string, project = "p"): InboxTask {
  return {
    reason: "needs_input",
    since: "2026-01-01T10:00:00Z",
    waiting_seconds: 60,
    project,
    task_id: taskId,
    title: "T",
    agent: "a",
    progress: 0,
    message: "Allow Bash?",
    error_type: null,
    error_message: null,
  };
}

function inbox(tasks: InboxTask[], total = tasks.length): Inbox {
  return { tasks, total, counts: { needs_input: total } };
}

function message(taskId: string, status: TaskStatus, second = 0, project = "p"): TaskMessage {
  return {
    type: "task_status",
    data: { task_id: taskId, title: "T", project, agent: "a", status },
    timestamp: `2026-01-01T10:00:${String(second).padStart(2, "0")}Z`,
  };
}

describe("inboxConcerns", () => {
  it("reloads for a task that enters the inbox or one listed in it, not for others", () => {
    const concerns = inboxConcerns(inbox([waiting("asks")]));
    expect(concerns(message("new", "needs_input"))).toBe(true);
    expect(concerns(message("broke", "failed"))).toBe(true);
    expect(concerns(message("asks", "running"))).toBe(true);
    expect(concerns(message("asks", "running", 0, "other project"))).toBe(false);
    expect(concerns(message("busy", "running"))).toBe(false);
    expect(concerns(message("done", "completed"))).toBe(false);
  });

  it("reloads for every message before the first answer or when not all tasks were loaded", () => {
    expect(inboxConcerns(undefined)(message("busy", "running"))).toBe(true);
    expect(inboxConcerns(inbox([waiting("asks")], 250))(message("busy", "running"))).toBe(true);
  });
});

describe("NewWaits", () => {
  it("tells a task's first wait once, and again after it moved on", () => {
    const waits = new NewWaits();
    expect(waits.take([message("t", "running", 1)])).toEqual([]);
    expect(waits.take([message("t", "needs_input", 2)]).map((m) => m.data.task_id)).toEqual(["t"]);
    expect(waits.take([message("t", "needs_input", 3)])).toEqual([]);
    expect(waits.take([message("t", "paused", 4), message("t", "needs_input", 5)])).toHaveLength(1);
  });

  it("ignores a wait that ended within the same batch and a message older than the newest", () => {
    const waits = new NewWaits();
    expect(waits.take([message("t", "needs_input", 2), message("t", "running", 3)])).toEqual([]);
    expect(waits.take([message("t", "needs_input", 1)])).toEqual([]);
    expect(waits.take([message("u", "needs_input", 5), message("u", "running", 4)])).toHaveLength(
      1,
    );
  });

  it("keeps tasks apart by project and forgets the least recently seen past its bound", () => {
    const waits = new NewWaits(2);
    expect(
      waits.take([message("t", "needs_input", 1, "a"), message("t", "needs_input", 1, "b")]),
    ).toHaveLength(2);
    waits.take([message("x", "running", 1), message("y", "running", 1)]);
    // "t" in "a" was forgotten: its next wait counts as new.
    expect(waits.take([message("t", "needs_input", 2, "a")])).toHaveLength(1);
  });
});

describe("the inbox in the page", () => {
  it("badges the count, capped, and nothing when empty", () => {
    expect(inboxBadge(undefined)).toBeNull();
    expect(inboxBadge(0)).toBeNull();
    expect(inboxBadge(7)).toBe("7");
    expect(inboxBadge(1234)).toBe("99+");
  });

  it("measures the wait from its start, never below zero", () => {
    const now = Date.parse("2026-01-01T10:05:00Z");
    expect(waitedSeconds("2026-01-01T10:00:00Z", now)).toBe(300);
    expect(waitedSeconds("2026-01-01T10:06:00Z", now)).toBe(0);
    expect(waitedSeconds("garbage", now)).toBe(0);
  });

  it("lets failed and stale tasks be dismissed, not those needing input", () => {
    expect([dismissible("failed"), dismissible("stale"), dismissible("needs_input")]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
