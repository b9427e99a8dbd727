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
import { budgetCrossedText } from "@/lib/budget";
import { LiveConnection, type ConnectionStatus } from "./connection";
import { LiveDispatcher, type BatchListener } from "./dispatcher";
import { FeedProjects } from "./feedProjects";
import { feedUrl } from "./feedUrl";

interface LiveState {
  status: ConnectionStatus;
  /** Grows each time the feed could not replay what was missed: views reload on change. */
  resyncs: number;
  subscribe: (listener: BatchListener) => () => void;
}

const LiveContext = createContext<LiveState | null>(null);

export function LiveProvider({ apiKey, children }: { apiKey: string; children: ReactNode }) {
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [resyncs, setResyncs] = useState(0);
  const [dispatcher] = useState(() => new LiveDispatcher());

  useEffect(() => {
    const controller = new AbortController();
    const projects = new FeedProjects(() =>
      apiGet<Project[]>("/api/projects", apiKey, {}, controller.signal).then(({ data }) =>
        data.map((project) => project.name),
      ),
    );
    const connection = new LiveConnection({
      url: (since, failedAttempts) =>
        feedUrl(window.location, apiKey, since, projects.forAttempt(failedAttempts)),
      onTask: (message) => dispatcher.publish(message),
      onNotice: (message) => {
        // A used-up budget stays on screen until closed; 80 % for ten seconds.
        const { project, period_start, threshold_percent } = message.data;
        const show = threshold_percent >= 100 ? toast.error : toast.warning;
        show(budgetCrossedText(message), {
          id: `budget:${project}:${period_start}:${threshold_percent}`,
          duration: threshold_percent >= 100 ? Infinity : 10_000,
        });
      },
      onStatus: (next) => {
        if (next === "live") projects.opened();
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
      projects.stop();
      connection.stop();
      dispatcher.stop();
    };
  }, [apiKey, dispatcher]);

  const subscribe = useCallback(
    (listener: BatchListener) => dispatcher.subscribe(listener),
    [dispatcher],
  );
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

/** Calls `listener` with each batch of live task messages (at most one per animation frame,
 * see `LiveDispatcher`) while the component is mounted. */
export function useLiveMessages(listener: BatchListener): void {
  const { subscribe } = useLive();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => subscribe((batch) => latest.current(batch)), [subscribe]);
}
