import { startTransition, useCallback, useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { ApiError, apiGet, type QueryParams } from "@/api/client";
import { SingleFlight } from "@/api/singleFlight";
import { useApiKey } from "@/auth/KeyContext";
import { shareUnchanged } from "@/lib/structuralSharing";

export interface ApiState<T> {
  data: T | undefined;
  headers: Headers | undefined;
  error: ApiError | undefined;
  /** True until the first answer; later reloads keep showing the previous data. */
  loading: boolean;
  /** Asks again; resolves once an answer asked after this call landed. A reload while one is
   * in flight waits for it (one more request, however many reloads): never two at once. */
  reload: () => Promise<void>;
}

const REJECTED_KEY = "The API key was not accepted. Enter a valid key.";

/** GETs `path` with the stored key whenever the path, parameters or `refresh` change (the
 * request for the old ones is aborted and its answer dropped); a key the gateway refuses (401)
 * sends the user back to the key prompt. */
export function useApi<T>(path: string | null, params: QueryParams = {}, refresh = 0): ApiState<T> {
  const { apiKey, signOut } = useApiKey();
  const [answer, setAnswer] = useState<Omit<ApiState<T>, "reload">>({
    data: undefined,
    headers: undefined,
    error: undefined,
    loading: true,
  });
  const loaded = useRef(false);
  const flight = useRef<SingleFlight | null>(null);
  const paramsKey = JSON.stringify(params);

  useEffect(() => {
    if (!path || !apiKey) return;
    const wanted = JSON.parse(paramsKey) as QueryParams;
    const requests = new SingleFlight(async (signal) => {
      try {
        const { data, headers } = await apiGet<T>(path, apiKey, wanted, signal);
        if (signal.aborted) return;
        const reloaded = loaded.current;
        loaded.current = true;
        // An answer equal to the one shown changes nothing on the page: a live view reloading
        // every few seconds re-renders only what changed.
        const show = () =>
          setAnswer((previous) => {
            const shared = shareUnchanged(previous.data, data);
            const unchanged =
              shared === previous.data &&
              !previous.error &&
              !previous.loading &&
              sameHeaders(previous.headers, headers);
            return unchanged
              ? previous
              : { data: shared, headers, error: undefined, loading: false };
          });
        // A reload's answer is drawn as a transition: React renders it in slices and lets
        // input, timers and live frames in between, rather than in one long task (charts).
        if (reloaded) startTransition(show);
        else show();
      } catch (error: unknown) {
        if (signal.aborted) return;
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
      }
    });
    flight.current = requests;
    void requests.request();
    return () => requests.abort();
  }, [path, apiKey, paramsKey, refresh, signOut]);

  const reload = useCallback(() => flight.current?.request() ?? Promise.resolve(), []);
  return { ...answer, reload };
}

/** Whether two answers' headers say the same, apart from when they were sent. */
function sameHeaders(a: Headers | undefined, b: Headers): boolean {
  const said = (headers: Headers) =>
    JSON.stringify([...headers].filter(([name]) => name !== "date"));
  return a !== undefined && said(a) === said(b);
}
