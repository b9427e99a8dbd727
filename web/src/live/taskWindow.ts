/** What a task list or board keeps of a project's tasks: the loaded pages, kept current by live
 * messages, within a fixed size. Pure functions.
 *
 * - At most `MAX_TASKS_IN_VIEW` tasks are kept; past it the oldest (the end of the list) go,
 *   and no further page can follow on (`trimmed`).
 * - Known tasks change in place (a shown one flashes once per batch); tasks that no longer
 *   match the filter leave.
 * - New tasks go first (the list is newest first), unless they would move the list under its
 *   reader: while the reader has scrolled down, while the project is busy (`BUSY_NEW_TASKS`
 *   new tasks within `BUSY_WINDOW_MS`), or while some are already held, they are held behind
 *   an "N new tasks" control instead (at most `MAX_HELD_TASKS` kept, the count goes on).
 * - A list that does not hold every matching task only takes in a task it had not loaded when
 *   the message places it: its start in a newest-started list, any message in a
 *   recently-updated one. Others (a status of an older task further down) are left to paging.
 */

import type { Task } from "@/api/types";
import type { TaskMessage } from "./messages";
import { applyToTask, matchesFilter, type TaskFilter } from "./taskList";

export const MAX_TASKS_IN_VIEW = 1000;
export const MAX_HELD_TASKS = 200;
export const BUSY_NEW_TASKS = 5;
export const BUSY_WINDOW_MS = 10_000;

export interface TaskWindow {
  /** Shown tasks, in list order. */
  tasks: Task[];
  /** All matching tasks, over every page; null when unknown. */
  total: number | null;
  /** New tasks not shown yet, newest first. */
  held: Task[];
  /** How many new tasks wait to be shown; more than `held` when too many came. */
  heldCount: number;
  /** Tasks were dropped from the end: the next page no longer follows on. */
  trimmed: boolean;
  /** How often each shown task changed live, so its row can flash on every change. */
  touches: ReadonlyMap<string, number>;
  /** When the latest new tasks arrived (ms), at most `BUSY_NEW_TASKS` of them. */
  arrivals: readonly number[];
}

export interface Placement {
  /** The reader scrolled down the list: new tasks on top would move it. */
  readerAway: boolean;
  /** The window holds every matching task (no further page). */
  complete: boolean;
  now: number;
}

export function windowOf(tasks: Task[], total: number | null): TaskWindow {
  return capped({
    tasks,
    total,
    held: [],
    heldCount: 0,
    trimmed: false,
    touches: new Map(),
    arrivals: [],
  });
}

/** Whether a message about a task the window has not loaded may place it. */
function placeable(message: TaskMessage, filter: TaskFilter, complete: boolean): boolean {
  // Longest-first lists cannot place a task that is still running.
  if (filter.sort === "duration") return false;
  if (complete || filter.sort === "updated") return true;
  return message.type === "task_started";
}

/** `tasks` with those `added` (in arrival order) moved first, newest first. */
function newestFirst(tasks: Map<string, Task>, added: string[]): Task[] {
  const first = new Set(added);
  const fresh = [...first]
    .reverse()
    .map((id) => tasks.get(id))
    .filter((task): task is Task => task !== undefined);
  return [...fresh, ...[...tasks.values()].filter((task) => !first.has(task.task_id))];
}

export function applyBatch(
  window: TaskWindow,
  messages: readonly TaskMessage[],
  filter: TaskFilter,
  placement: Placement,
): TaskWindow {
  const mine = messages.filter((message) => message.data.project === filter.project);
  if (mine.length === 0) return window;
  const shown = new Map(window.tasks.map((task) => [task.task_id, task]));
  const held = new Map(window.held.map((task) => [task.task_id, task]));
  const touches = new Map(window.touches);
  const shownNew: string[] = [];
  const heldNew: string[] = [];
  const arrivals = [...window.arrivals];
  const touched = new Set<string>();
  let { total, heldCount } = window;
  const count = (delta: number) => {
    if (total != null) total = Math.max(0, total + delta);
  };
  let changed = false;

  for (const message of mine) {
    const id = message.data.task_id;
    const place = shown.has(id) ? shown : held.has(id) ? held : null;
    if (place) {
      const known = place.get(id) as Task;
      const updated = applyToTask(known, message);
      if (updated === known) continue;
      changed = true;
      if (matchesFilter(updated, filter)) {
        place.set(id, updated);
        if (place === shown) touched.add(id);
      } else {
        place.delete(id);
        touches.delete(id);
        if (place === held) heldCount = Math.max(0, heldCount - 1);
        count(-1);
      }
      continue;
    }
    if (!placeable(message, filter, placement.complete && !window.trimmed)) continue;
    const created = applyToTask(undefined, message);
    if (!matchesFilter(created, filter)) continue;
    changed = true;
    count(1);
    arrivals.push(placement.now);
    if (arrivals.length > BUSY_NEW_TASKS) arrivals.shift();
    const busy = arrivals.length >= BUSY_NEW_TASKS && placement.now - arrivals[0] <= BUSY_WINDOW_MS;
    if (placement.readerAway || heldCount > 0 || busy) {
      held.set(id, created);
      heldNew.push(id);
      heldCount += 1;
    } else {
      shown.set(id, created);
      shownNew.push(id);
    }
  }
  if (!changed) return window;
  // One flash per batch, however often the task changed in it.
  for (const id of touched) if (shown.has(id)) touches.set(id, (touches.get(id) ?? 0) + 1);
  return capped({
    tasks: newestFirst(shown, shownNew),
    total,
    held: newestFirst(held, heldNew).slice(0, MAX_HELD_TASKS),
    heldCount,
    trimmed: window.trimmed,
    touches,
    arrivals,
  });
}

/** The held tasks shown first; null when more came than were kept (reload instead). */
export function showHeld(window: TaskWindow): TaskWindow | null {
  if (window.heldCount > window.held.length) return null;
  const shown = new Set(window.held.map((task) => task.task_id));
  return capped({
    ...window,
    tasks: [...window.held, ...window.tasks.filter((task) => !shown.has(task.task_id))],
    held: [],
    heldCount: 0,
  });
}

/** The next page, after what is shown (tasks already in the window are skipped). */
export function appendPage(window: TaskWindow, page: readonly Task[]): TaskWindow {
  const known = new Set([...window.tasks, ...window.held].map((task) => task.task_id));
  return capped({
    ...window,
    tasks: [...window.tasks, ...page.filter((task) => !known.has(task.task_id))],
  });
}

/** Whether another page may follow what the window shows. */
export function canGrow(window: TaskWindow): boolean {
  return !window.trimmed && window.tasks.length < MAX_TASKS_IN_VIEW;
}

function capped(window: TaskWindow): TaskWindow {
  if (window.tasks.length <= MAX_TASKS_IN_VIEW) return window;
  const kept = window.tasks.slice(0, MAX_TASKS_IN_VIEW);
  const touches = new Map(window.touches);
  for (const task of window.tasks.slice(MAX_TASKS_IN_VIEW)) touches.delete(task.task_id);
  return { ...window, tasks: kept, touches, trimmed: true };
}
