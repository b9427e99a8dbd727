import { describe, expect, it } from "vitest";
import { filter, message, task } from "@/testing/tasks";
import type { TaskFilter } from "./taskList";
import {
  BUSY_NEW_TASKS,
  BUSY_WINDOW_MS,
  MAX_HELD_TASKS,
  MAX_TASKS_IN_VIEW,
  appendPage,
  applyBatch,
  canGrow,
  showHeld,
  windowOf,
  type Placement,
} from "./taskWindow";

const atTop: Placement = { readerAway: false, complete: true, now: 0 };
const loaded = windowOf([task({ task_id: "old" })], 1);
const ids = (tasks: { task_id: string }[]) => tasks.map((t) => t.task_id);
const started = (taskId: string) => message("task_started", { task_id: taskId });

describe("applyBatch", () => {
  it("puts a new task first and counts it", () => {
    const next = applyBatch(loaded, [started("new")], filter, atTop);
    expect(ids(next.tasks)).toEqual(["new", "old"]);
    expect(next.total).toBe(2);
  });

  it("updates a known task in place and counts the change", () => {
    const update = message("task_status", { task_id: "old", progress: 80 });
    const next = applyBatch(loaded, [update, update], filter, atTop);
    expect(next.tasks).toHaveLength(1);
    expect(next.tasks[0].progress).toBe(80);
    expect(next.total).toBe(1);
    expect(next.touches.get("old")).toBe(1);
  });

  it("ignores other projects", () => {
    expect(applyBatch(loaded, [message("task_started", { project: "x" })], filter, atTop)).toBe(
      loaded,
    );
  });

  it("drops a task that leaves the status filter and skips ones that do not match", () => {
    const running: TaskFilter = { ...filter, statuses: ["running"] };
    const finished = applyBatch(loaded, [message("task_finished", { task_id: "old" })], running, {
      ...atTop,
    });
    expect(finished.tasks).toEqual([]);
    expect(finished.total).toBe(0);
    const elsewhere = message("task_error", { task_id: "x", error_type: "E", error_message: "m" });
    expect(applyBatch(loaded, [elsewhere], running, atTop)).toBe(loaded);
  });

  it("honours the agent and title filters", () => {
    expect(applyBatch(loaded, [started("n")], { ...filter, agent: "other" }, atTop)).toBe(loaded);
    expect(applyBatch(loaded, [started("n")], { ...filter, q: "DATA" }, atTop).tasks).toHaveLength(
      2,
    );
  });

  it("does not guess where a running task goes in a longest-first list", () => {
    expect(applyBatch(loaded, [started("n")], { ...filter, sort: "duration" }, atTop)).toBe(loaded);
  });

  it("replays buffered messages over freshly loaded tasks without duplicates", () => {
    const afterLoad = applyBatch(
      windowOf([task({ task_id: "new", progress: 20 })], 1),
      [started("new"), message("task_status", { task_id: "new", progress: 50 })],
      filter,
      atTop,
    );
    expect(afterLoad.tasks).toHaveLength(1);
    expect(afterLoad.tasks[0].progress).toBe(50);
    expect(afterLoad.total).toBe(1);
  });

  it("leaves a status of a task it never loaded to paging when more pages exist", () => {
    const partial = { ...atTop, complete: false };
    const older = message("task_status", { task_id: "further-down", progress: 5 });
    expect(applyBatch(loaded, [older], filter, partial)).toBe(loaded);
    expect(ids(applyBatch(loaded, [started("n")], filter, partial).tasks)).toEqual(["n", "old"]);
    expect(ids(applyBatch(loaded, [older], { ...filter, sort: "updated" }, partial).tasks)).toEqual(
      ["further-down", "old"],
    );
  });
});

describe("new tasks in a busy project", () => {
  it("holds new tasks while the reader is scrolled down, and updates them while held", () => {
    const away = { ...atTop, readerAway: true };
    const next = applyBatch(
      loaded,
      [started("a"), started("b"), message("task_status", { task_id: "a", progress: 30 })],
      filter,
      away,
    );
    expect(ids(next.tasks)).toEqual(["old"]);
    expect(ids(next.held)).toEqual(["b", "a"]);
    expect(next.held[1].progress).toBe(30);
    expect(next.heldCount).toBe(2);
    expect(next.total).toBe(3);
    // Back at the top, the next new task still waits behind those held.
    const later = applyBatch(next, [started("c")], filter, atTop);
    expect(ids(later.held)).toEqual(["c", "b", "a"]);
    const shown = showHeld(later);
    expect(shown && ids(shown.tasks)).toEqual(["c", "b", "a", "old"]);
    expect(shown?.heldCount).toBe(0);
  });

  it(`holds them once ${BUSY_NEW_TASKS} arrive within ${BUSY_WINDOW_MS} ms`, () => {
    let window = loaded;
    for (let n = 0; n < BUSY_NEW_TASKS; n++) {
      window = applyBatch(window, [started(`n${n}`)], filter, { ...atTop, now: n * 1000 });
    }
    expect(window.tasks).toHaveLength(BUSY_NEW_TASKS);
    expect(ids(window.held)).toEqual([`n${BUSY_NEW_TASKS - 1}`]);
    // A calm project shows each new task at once.
    let calm = loaded;
    for (let n = 0; n < BUSY_NEW_TASKS * 2; n++) {
      calm = applyBatch(calm, [started(`c${n}`)], filter, { ...atTop, now: n * BUSY_WINDOW_MS });
    }
    expect(calm.heldCount).toBe(0);
  });

  it("keeps counting past what it holds, and then asks for a reload", () => {
    const away = { ...atTop, readerAway: true };
    const flood = Array.from({ length: MAX_HELD_TASKS + 10 }, (_, n) => started(`f${n}`));
    const next = applyBatch(loaded, flood, filter, away);
    expect(next.held).toHaveLength(MAX_HELD_TASKS);
    expect(next.held[0].task_id).toBe(`f${MAX_HELD_TASKS + 9}`);
    expect(next.heldCount).toBe(MAX_HELD_TASKS + 10);
    expect(showHeld(next)).toBeNull();
  });
});

describe("the cap", () => {
  const page = (from: number, size: number) =>
    Array.from({ length: size }, (_, n) => task({ task_id: `p${from + n}` }));

  it(`keeps at most ${MAX_TASKS_IN_VIEW} tasks, dropping the oldest and further pages`, () => {
    let window = windowOf(page(0, 600), 5000);
    expect(canGrow(window)).toBe(true);
    window = appendPage(window, [...page(590, 10), ...page(600, 600)]);
    expect(window.tasks).toHaveLength(MAX_TASKS_IN_VIEW);
    expect(window.tasks.at(-1)?.task_id).toBe(`p${MAX_TASKS_IN_VIEW - 1}`);
    expect(window.trimmed).toBe(true);
    expect(canGrow(window)).toBe(false);
  });

  it("drops the oldest when new tasks come in at the top, and forgets their flashes", () => {
    let window = windowOf(page(0, MAX_TASKS_IN_VIEW), null);
    const last = `p${MAX_TASKS_IN_VIEW - 1}`;
    window = applyBatch(window, [message("task_status", { task_id: last })], filter, atTop);
    expect(window.touches.get(last)).toBe(1);
    window = applyBatch(window, [started("new")], filter, atTop);
    expect(window.tasks).toHaveLength(MAX_TASKS_IN_VIEW);
    expect(window.tasks[0].task_id).toBe("new");
    expect(window.touches.has(last)).toBe(false);
    expect(window.trimmed).toBe(true);
  });
});
