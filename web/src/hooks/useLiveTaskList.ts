import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, apiGet } from "@/api/client";
import type { Task } from "@/api/types";
import { useApiKey } from "@/auth/KeyContext";
import { useLive, useLiveMessages } from "@/live/LiveContext";
import type { TaskMessage } from "@/live/messages";
import { applyAll, applyToList, type TaskFilter, type TaskListState } from "@/live/taskList";

export interface LiveTaskList extends TaskListState {
  loading: boolean;
  error: ApiError | undefined;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** How often each task changed live, so its row can flash on every change. */
  touches: ReadonlyMap<string, number>;
}

const REJECTED_KEY = "The API key was not accepted. Enter a valid key.";

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

/** A project's tasks as REST lists them, kept current by the live feed. Messages that arrive
 * while a page loads are held and applied on top of it, so none is lost in between. */
export function useLiveTaskList(filter: TaskFilter, pageSize = 50): LiveTaskList {
  const { apiKey, signOut } = useApiKey();
  const { resyncs } = useLive();
  const [list, setList] = useState<TaskListState>({ tasks: [], total: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [touches, setTouches] = useState<ReadonlyMap<string, number>>(new Map());
  const held = useRef<TaskMessage[] | null>([]);
  const currentFilter = useRef(filter);
  const filterKey = JSON.stringify(filter);

  const fail = useCallback(
    (failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 401) signOut(REJECTED_KEY);
      else setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
    },
    [signOut],
  );

  useEffect(() => {
    if (!apiKey) return;
    const wanted = JSON.parse(filterKey) as TaskFilter;
    currentFilter.current = wanted;
    held.current = [];
    setLoading(true);
    const controller = new AbortController();
    apiGet<Task[]>(
      listPath(wanted.project),
      apiKey,
      listParams(wanted, pageSize, null),
      controller.signal,
    ).then(
      ({ data, headers }) => {
        const total = headers.get("X-Total-Count");
        const loaded = { tasks: data, total: total == null ? null : Number(total) };
        setList(applyAll(loaded, held.current ?? [], wanted));
        held.current = null;
        setNextCursor(headers.get("X-Next-Cursor"));
        setError(undefined);
        setTouches(new Map());
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        held.current = null;
        fail(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [apiKey, filterKey, pageSize, resyncs, fail]);

  useLiveMessages((message) => {
    if (held.current) {
      held.current.push(message);
      return;
    }
    const wanted = currentFilter.current;
    if (message.data.project !== wanted.project) return;
    setList((current) => applyToList(current, message, wanted));
    setTouches((current) => {
      const next = new Map(current);
      next.set(message.data.task_id, (current.get(message.data.task_id) ?? 0) + 1);
      return next;
    });
  });

  const loadMore = useCallback(() => {
    if (!apiKey || !nextCursor || loadingMore) return;
    const wanted = currentFilter.current;
    setLoadingMore(true);
    apiGet<Task[]>(listPath(wanted.project), apiKey, listParams(wanted, pageSize, nextCursor))
      .then(({ data, headers }) => {
        setList((current) => {
          const shown = new Set(current.tasks.map((task) => task.task_id));
          return {
            ...current,
            tasks: [...current.tasks, ...data.filter((t) => !shown.has(t.task_id))],
          };
        });
        setNextCursor(headers.get("X-Next-Cursor"));
      }, fail)
      .finally(() => setLoadingMore(false));
  }, [apiKey, nextCursor, loadingMore, pageSize, fail]);

  return {
    ...list,
    loading,
    error,
    hasMore: nextCursor !== null,
    loadingMore,
    loadMore,
    touches,
  };
}
