import { useCallback, useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { ApiError, apiGet, type QueryParams } from "@/api/client";
import { useApiKey } from "@/auth/KeyContext";

export interface ApiState<T> {
  data: T | undefined;
  headers: Headers | undefined;
  error: ApiError | undefined;
  /** True until the first answer; later reloads keep showing the previous data. */
  loading: boolean;
  reload: () => void;
}

const REJECTED_KEY = "The API key was not accepted. Enter a valid key.";

/** GETs `path` with the stored key whenever the path, parameters or `refresh` change; a key
 * the gateway refuses (401) sends the user back to the key prompt. */
export function useApi<T>(path: string | null, params: QueryParams = {}, refresh = 0): ApiState<T> {
  const { apiKey, signOut } = useApiKey();
  const [answer, setAnswer] = useState<Omit<ApiState<T>, "reload">>({
    data: undefined,
    headers: undefined,
    error: undefined,
    loading: true,
  });
  const [reloads, setReloads] = useState(0);
  const loaded = useRef(false);
  const paramsKey = JSON.stringify(params);

  useEffect(() => {
    if (!path || !apiKey) return;
    const controller = new AbortController();
    apiGet<T>(path, apiKey, JSON.parse(paramsKey) as QueryParams, controller.signal).then(
      ({ data, headers }) => {
        loaded.current = true;
        setAnswer({ data, headers, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          signOut(REJECTED_KEY);
          return;
        }
        const failure = error instanceof ApiError ? error : new ApiError(0, String(error));
        // Pages show a banner when nothing loaded; a failed refresh keeps the data and says so.
        if (loaded.current) {
          toast.error(`Could not refresh: ${failure.message}`, { id: `refresh:${path}` });
        }
        setAnswer((previous) => ({ ...previous, error: failure, loading: false }));
      },
    );
    return () => controller.abort();
  }, [path, apiKey, paramsKey, reloads, refresh, signOut]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { ...answer, reload };
}
