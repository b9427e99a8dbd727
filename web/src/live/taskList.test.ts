import { describe, expect, it } from "vitest";
import type { Task } from "@/api/types";
import lifecycle from "../../../libs/contracts/vectors/lifecycle.json";
import type { TaskMessage } from "./messages";
import {
  applyAll,
  applyToList,
  applyToTask,
  type TaskFilter,
  type TaskListState,
} from "./taskList";

const filter: TaskFilter = { project: "my-app", statuses: [], agent: "", q: "", sort: "started" };

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 7,
    task_id: "t-1",
    title: "Process data",
    status: "running",
    progress: 10,
    started_at: "2026-01-01T10:00:00Z",
    project: "my-app",
    agent: "bot",
    message: null,
    result: null,
    error_type: null,
    error_message: null,
    metadata: null,
    metadata_truncated: false,
    finished_at: null,
    duration_seconds: null,
    updated_at: "2026-01-01T10:00:00Z",
    last_event_at: null,
    ...overrides,
  };
}

function message(
  type: TaskMessage["type"],
  data: Partial<TaskMessage["data"]> = {},
  timestamp = "2026-01-01T10:05:00Z",
): TaskMessage {
  const status = {
    task_started: "running",
    task_status: "running",
    task_finished: "completed",
    task_error: "failed",
    task_stale: "stale",
  } as const;
  return {
    type,
    timestamp,
    data: {
      task_id: "t-1",
      title: "Process data",
      project: "my-app",
      agent: "bot",
      status: status[type],
      ...data,
    },
  };
}

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

describe("applyToList", () => {
  const loaded: TaskListState = { tasks: [task({ task_id: "old" })], total: 1 };

  it("puts a new task first and counts it", () => {
    const next = applyToList(loaded, message("task_started", { task_id: "new" }), filter);
    expect(next.tasks.map((t) => t.task_id)).toEqual(["new", "old"]);
    expect(next.total).toBe(2);
  });

  it("updates a known task in place", () => {
    const next = applyToList(
      loaded,
      message("task_status", { task_id: "old", progress: 80 }),
      filter,
    );
    expect(next.tasks).toHaveLength(1);
    expect(next.tasks[0].progress).toBe(80);
    expect(next.total).toBe(1);
  });

  it("ignores other projects", () => {
    expect(applyToList(loaded, message("task_started", { project: "other" }), filter)).toBe(loaded);
  });

  it("drops a task that leaves the status filter and skips ones that do not match", () => {
    const running: TaskFilter = { ...filter, statuses: ["running"] };
    const finished = applyToList(loaded, message("task_finished", { task_id: "old" }), running);
    expect(finished).toEqual({ tasks: [], total: 0 });
    const elsewhere = applyToList(
      loaded,
      message("task_error", { task_id: "x", error_type: "E", error_message: "m" }),
      running,
    );
    expect(elsewhere).toBe(loaded);
  });

  it("honours the agent and title filters", () => {
    const byAgent = { ...filter, agent: "someone-else" };
    expect(applyToList(loaded, message("task_started", { task_id: "n" }), byAgent)).toBe(loaded);
    const byTitle = { ...filter, q: "DATA" };
    expect(
      applyToList(loaded, message("task_started", { task_id: "n" }), byTitle).tasks,
    ).toHaveLength(2);
  });

  it("does not guess where a running task goes in a longest-first list", () => {
    const longest = { ...filter, sort: "duration" as const };
    expect(applyToList(loaded, message("task_started", { task_id: "n" }), longest)).toBe(loaded);
  });

  it("replays buffered messages over freshly loaded tasks without duplicates", () => {
    const buffered = [
      message("task_started", { task_id: "new" }),
      message("task_status", { task_id: "new", progress: 50 }),
    ];
    const afterLoad = applyAll(
      { tasks: [task({ task_id: "new", progress: 20 })], total: 1 },
      buffered,
      filter,
    );
    expect(afterLoad.tasks).toHaveLength(1);
    expect(afterLoad.tasks[0].progress).toBe(50);
    expect(afterLoad.total).toBe(1);
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
