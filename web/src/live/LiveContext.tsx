import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { toast } from "sonner";
import { apiGet } from "@/api/client";
import type { Project } from "@/api/types";
import { LiveConnection, type ConnectionStatus } from "./connection";
import { feedUrl } from "./feedUrl";
import type { TaskMessage } from "./messages";

type Listener = (message: TaskMessage) => void;

interface LiveState {
  status: ConnectionStatus;
  /** Grows each time the feed could not replay what was missed: views reload on change. */
  resyncs: number;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<LiveState | null>(null);

export function LiveProvider({ apiKey, children }: { apiKey: string; children: ReactNode }) {
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [resyncs, setResyncs] = useState(0);
  const listeners = useRef(new Set<Listener>());
  const visibleProjects = useRef<string[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    apiGet<Project[]>("/api/projects", apiKey, {}, controller.signal).then(
      ({ data }) => {
        visibleProjects.current = data.map((project) => project.name);
      },
      () => undefined,
    );
    const attempt = { named: false };
    const working: { named: boolean | null } = { named: null };
    const connection = new LiveConnection({
      url: (since, failedAttempts) => {
        // A key limited to projects must name them: tried after two refusals, and kept once
        // a connection opened that way.
        attempt.named =
          working.named ?? (failedAttempts >= 2 && visibleProjects.current.length > 0);
        return feedUrl(
          window.location,
          apiKey,
          since,
          attempt.named ? visibleProjects.current : [],
        );
      },
      onTask: (message) => {
        for (const listener of listeners.current) listener(message);
      },
      onStatus: (next) => {
        if (next === "live") working.named = attempt.named;
        setStatus(next);
      },
      onResync: () => {
        toast.info("The live feed missed too much while away; the page was reloaded.");
        setResyncs((n) => n + 1);
      },
    });
    connection.start();
    return () => {
      controller.abort();
      connection.stop();
    };
  }, [apiKey]);

  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const value = useMemo<LiveState>(
    () => ({ status, resyncs, subscribe }),
    [status, resyncs, subscribe],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveState {
  const state = useContext(LiveContext);
  if (!state) throw new Error("useLive outside LiveProvider");
  return state;
}

/** Calls `listener` with every live task message while the component is mounted. */
export function useLiveMessages(listener: Listener): void {
  const { subscribe } = useLive();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => subscribe((message) => latest.current(message)), [subscribe]);
}
