import { describe, expect, it } from "vitest";
import { message, task } from "@/testing/tasks";
import { applyToTask } from "./taskList";

describe("applyToTask", () => {
  it("moves progress and message with a status update", () => {
    const next = applyToTask(task(), message("task_status", { progress: 60, message: "half" }));
    expect(next.progress).toBe(60);
    expect(next.message).toBe("half");
    expect(next.updated_at).toBe("2026-01-01T10:05:00Z");
  });

  it("keeps the progress when a status update has none", () => {
    expect(
      applyToTask(task({ progress: 40 }), message("task_status", { progress: null })).progress,
    ).toBe(40);
  });

  it("completes a task at 100% with its reported duration", () => {
    const next = applyToTask(
      task(),
      message("task_finished", { duration_seconds: 1800, finished_at: "2026-01-01T10:30:00Z" }),
    );
    expect(next).toMatchObject({
      status: "completed",
      progress: 100,
      duration_seconds: 1800,
      finished_at: "2026-01-01T10:30:00Z",
    });
  });

  it("fails a task with the error's type and message", () => {
    const next = applyToTask(
      task(),
      message("task_error", { error_type: "RuntimeError", error_message: "boom" }),
    );
    expect(next).toMatchObject({
      status: "failed",
      error_type: "RuntimeError",
      error_message: "boom",
    });
  });

  it("never reopens a finished task with a status or a start", () => {
    const done = task({ status: "completed", progress: 100, finished_at: "2026-01-01T10:30:00Z" });
    expect(
      applyToTask(done, message("task_status", { progress: 20 }, "2026-01-01T11:00:00Z")),
    ).toBe(done);
    expect(applyToTask(done, message("task_started", {}, "2026-01-01T11:00:00Z"))).toBe(done);
  });

  it("replaces an outcome only with a later one", () => {
    const done = task({ status: "completed", finished_at: "2026-01-01T10:30:00.000+00:00" });
    const earlier = message(
      "task_error",
      { error_type: "E", error_message: "m" },
      "2026-01-01T10:10:00Z",
    );
    const later = message(
      "task_error",
      { error_type: "E", error_message: "m" },
      "2026-01-01T10:40:00Z",
    );
    expect(applyToTask(done, earlier)).toBe(done);
    expect(applyToTask(done, later).status).toBe("failed");
  });

  it("marks a silent task stale and revives it with its next event", () => {
    const stale = applyToTask(task({ progress: 30 }), message("task_stale", { progress: 30 }));
    expect(stale.status).toBe("stale");
    expect(applyToTask(stale, message("task_status", { progress: 35 })).status).toBe("running");
  });

  it("builds a task it has never seen from the message alone", () => {
    const created = applyToTask(
      undefined,
      message("task_started", { task_id: "new", started_at: "2026-01-01T10:04:00Z" }),
    );
    expect(created).toMatchObject({
      task_id: "new",
      status: "running",
      progress: 0,
      started_at: "2026-01-01T10:04:00Z",
    });
  });
});
