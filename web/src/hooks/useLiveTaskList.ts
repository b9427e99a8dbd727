import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, apiGet } from "@/api/client";
import type { Task } from "@/api/types";
import { useApiKey } from "@/auth/KeyContext";
import { useLive, useLiveMessages } from "@/live/LiveContext";
import type { TaskMessage } from "@/live/messages";
import type { TaskFilter } from "@/live/taskList";
import {
  appendPage,
  applyBatch,
  canGrow,
  showHeld,
  windowOf,
  type TaskWindow,
} from "@/live/taskWindow";

export interface LiveTaskList {
  tasks: Task[];
  /** All matching tasks, over every page; null when unknown. */
  total: number | null;
  loading: boolean;
  error: ApiError | undefined;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** How often each shown task changed live, so its row can flash on every change. */
  touches: ReadonlyMap<string, number>;
  /** New tasks waiting behind "N new tasks" (see `taskWindow.ts`). */
  newTasks: number;
  showNewTasks: () => void;
  /** The list keeps no more tasks (`MAX_TASKS_IN_VIEW`) though more match. */
  full: boolean;
}

const REJECTED_KEY = "The API key was not accepted. Enter a valid key.";
/** Scrolled further than this, the reader is reading the list: new tasks wait above it. */
const READER_AWAY_PX = 80;
/** Messages held while a page loads; past it the page loads again once it arrived. */
const MAX_HELD_MESSAGES = 5000;

function listPath(project: string): string {
  return `/api/projects/${encodeURIComponent(project)}/tasks`;
}

function listParams(filter: TaskFilter, limit: number, cursor: string | null) {
  return {
    status: filter.statuses,
    agent: filter.agent,
    q: filter.q,
    sort: filter.sort,
    limit,
    cursor,
    count: cursor ? null : "true",
  };
}

/** A project's tasks as REST lists them, kept current by the live feed, within the bounds of
 * `taskWindow.ts`. Messages that arrive while a page loads are held and applied on top of it,
 * so none is lost in between; a batch that lost messages loads the list again. */
export function useLiveTaskList(filter: TaskFilter, pageSize = 50): LiveTaskList {
  const { apiKey, signOut } = useApiKey();
  const { resyncs } = useLive();
  const [view, setView] = useState<TaskWindow>(() => windowOf([], null));
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [reloads, setReloads] = useState(0);
  /** Messages that arrived while the first page loads; `overflow` when some were dropped. */
  const held = useRef<{ messages: TaskMessage[]; overflow: boolean } | null>(null);
  const currentFilter = useRef(filter);
  const complete = useRef(true);
  const shownKey = useRef<string | null>(null);
  const filterKey = JSON.stringify(filter);
  // Followed on scroll: reading the position per batch would force a layout each frame.
  const readerAway = useRef(false);
  useEffect(() => {
    const follow = () => {
      readerAway.current = globalThis.scrollY > READER_AWAY_PX;
    };
    follow();
    globalThis.addEventListener("scroll", follow, { passive: true });
    return () => globalThis.removeEventListener("scroll", follow);
  }, []);

  const fail = useCallback(
    (failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 401) signOut(REJECTED_KEY);
      else setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
    },
    [signOut],
  );
  const reload = useCallback(() => setReloads((n) => n + 1), []);

  useEffect(() => {
    if (!apiKey) return;
    const wanted = JSON.parse(filterKey) as TaskFilter;
    currentFilter.current = wanted;
    held.current = { messages: [], overflow: false };
    // Another filter starts afresh; a reload of the same list keeps showing it meanwhile.
    if (shownKey.current !== filterKey) setLoading(true);
    const controller = new AbortController();
    apiGet<Task[]>(
      listPath(wanted.project),
      apiKey,
      listParams(wanted, pageSize, null),
      controller.signal,
    ).then(
      ({ data, headers }) => {
        if (controller.signal.aborted) return;
        const total = headers.get("X-Total-Count");
        const cursor = headers.get("X-Next-Cursor");
        const waiting = held.current ?? { messages: [], overflow: false };
        held.current = null;
        complete.current = cursor === null;
        shownKey.current = filterKey;
        setView(
          applyBatch(
            windowOf(data, total == null ? null : Number(total)),
            waiting.messages,
            wanted,
            {
              readerAway: false,
              complete: complete.current,
              now: Date.now(),
            },
          ),
        );
        setNextCursor(cursor);
        setError(undefined);
        setLoading(false);
        if (waiting.overflow) reload();
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        held.current = null;
        fail(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [apiKey, filterKey, pageSize, resyncs, reloads, fail, reload]);

  useLiveMessages((batch) => {
    const wanted = currentFilter.current;
    if (!batch.projects.has(wanted.project)) return;
    const waiting = held.current;
    if (waiting) {
      waiting.overflow ||= batch.overflowed;
      if (waiting.messages.length + batch.messages.length > MAX_HELD_MESSAGES) {
        waiting.overflow = true;
      } else {
        waiting.messages.push(...batch.messages);
      }
      return;
    }
    if (batch.overflowed) {
      reload();
      return;
    }
    const placement = {
      readerAway: readerAway.current,
      complete: complete.current,
      now: Date.now(),
    };
    setView((current) => applyBatch(current, batch.messages, wanted, placement));
  });

  const loadMore = useCallback(() => {
    if (!apiKey || !nextCursor || loadingMore || !canGrow(view)) return;
    const wanted = currentFilter.current;
    setLoadingMore(true);
    apiGet<Task[]>(listPath(wanted.project), apiKey, listParams(wanted, pageSize, nextCursor))
      .then(({ data, headers }) => {
        if (currentFilter.current !== wanted) return;
        const cursor = headers.get("X-Next-Cursor");
        complete.current = cursor === null;
        setView((current) => appendPage(current, data));
        setNextCursor(cursor);
      }, fail)
      .finally(() => setLoadingMore(false));
  }, [apiKey, nextCursor, loadingMore, view, pageSize, fail]);

  const showNewTasks = useCallback(() => {
    const next = showHeld(view);
    if (next) setView(next);
    else reload();
  }, [view, reload]);

  const more = nextCursor !== null || view.trimmed;
  return {
    tasks: view.tasks,
    total: view.total,
    loading,
    error,
    hasMore: nextCursor !== null && canGrow(view),
    loadingMore,
    loadMore,
    touches: view.touches,
    newTasks: view.heldCount,
    showNewTasks,
    full: more && !canGrow(view),
  };
}
