import { describe, expect, it } from "vitest";
import type { Task } from "@/api/types";
import lifecycle from "../../../libs/contracts/vectors/lifecycle.json";
import type { TaskMessage } from "./messages";
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
    const unchanged = { status: "completed", progress: 100, finished_at: done.finished_at };
    expect(
      applyToTask(done, message("task_status", { progress: 20 }, "2026-01-01T11:00:00Z")),
    ).toMatchObject(unchanged);
    expect(applyToTask(done, message("task_started", {}, "2026-01-01T11:00:00Z"))).toMatchObject(
      unchanged,
    );
  });

  it("leaves a task as it is for a message older than its newest event", () => {
    const known = task({ progress: 60, last_event_at: "2026-01-01T10:20:00Z" });
    expect(applyToTask(known, message("task_status", { progress: 20 }))).toBe(known);
  });

  it("adds each event's usage to the task's totals, older events' too", () => {
    const known = task({
      last_event_at: "2026-01-01T10:20:00Z",
      usage: {
        input_tokens: 100,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cost: { USD: 0.5 },
      },
    });
    const older = message("task_status", {
      usage: { input_tokens: 50, cost: 0.25, currency: "EUR" },
    });
    const newer = message(
      "task_finished",
      { usage: { output_tokens: 7, cost: 0.25, currency: "USD" } },
      "2026-01-01T10:30:00Z",
    );
    const next = applyToTask(applyToTask(known, older), newer);
    expect(next.usage).toEqual({
      input_tokens: 150,
      output_tokens: 7,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost: { USD: 0.75, EUR: 0.25 },
    });
    expect(known.usage?.cost).toEqual({ USD: 0.5 });
    expect(applyToTask(task(), older).usage).toMatchObject({
      input_tokens: 50,
      cost: { EUR: 0.25 },
    });
  });

  it("replaces an outcome only with a later one", () => {
    const finished_at = "2026-01-01T10:30:00.000+00:00";
    const done = task({ status: "completed", finished_at, last_event_at: finished_at });
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

/** The fields both the server's fold and this one keep, times as instants. */
function comparable(task: Task): Record<string, unknown> {
  const instant = (time: string | null | undefined) => (time ? Date.parse(time) : null);
  return {
    status: task.status,
    progress: task.progress,
    message: task.message,
    title: task.title,
    agent: task.agent,
    started_at: instant(task.started_at),
    finished_at: instant(task.finished_at),
    duration_seconds: task.duration_seconds,
    error_type: task.error_type,
    error_message: task.error_message,
    last_event_at: instant(task.last_event_at),
  };
}

describe("the lifecycle cases shared with the server (libs/contracts/vectors)", () => {
  it.each(lifecycle.cases.map((c) => [c.name, c] as const))("%s", (_, { events, task: after }) => {
    const folded = (events as TaskMessage[]).reduce<Task | undefined>(
      (current, event) => applyToTask(current, event),
      undefined,
    );
    expect(folded && comparable(folded)).toEqual(comparable(after as unknown as Task));
  });
});
