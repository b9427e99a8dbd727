import { useEffect, useRef } from "react";
import { batchConcerns } from "@/live/dispatcher";
import { useLive, useLiveMessages } from "@/live/LiveContext";
import type { TaskMessage } from "@/live/messages";
import { ReloadSchedule, type Reload } from "@/live/reloadSchedule";

/** Reloads REST data after the live messages that concern it (see `ReloadSchedule` for when:
 * at most one reload in flight, a few seconds apart under a continuous stream), and at once
 * after the feed had to resync. Meant once per view, not once per item of a list. */
export function useLiveRefresh(
  reload: Reload,
  concerns: (message: TaskMessage) => boolean = () => true,
  quietMs = 700,
  maxWaitMs = 3000,
): void {
  const { resyncs } = useLive();
  const latestReload = useRef(reload);
  const latestConcerns = useRef(concerns);
  useEffect(() => {
    latestReload.current = reload;
    latestConcerns.current = concerns;
  });
  const schedule = useRef<ReloadSchedule | null>(null);
  useEffect(() => {
    const current = new ReloadSchedule(() => latestReload.current(), { quietMs, maxWaitMs });
    schedule.current = current;
    return () => current.cancel();
  }, [quietMs, maxWaitMs]);

  useLiveMessages((batch) => {
    if (batchConcerns(batch, latestConcerns.current)) schedule.current?.notify();
  });

  const firstResyncs = useRef(resyncs);
  useEffect(() => {
    if (resyncs !== firstResyncs.current) void latestReload.current();
  }, [resyncs]);
}
