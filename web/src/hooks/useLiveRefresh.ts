import { useEffect, useRef } from "react";
import { useLive, useLiveMessages } from "@/live/LiveContext";
import type { TaskMessage } from "@/live/messages";
import { ReloadSchedule } from "@/live/reloadSchedule";

/** Reloads REST data after the live messages that concern it (see `ReloadSchedule` for when),
 * and at once after the feed had to resync. */
export function useLiveRefresh(
  reload: () => void,
  concerns: (message: TaskMessage) => boolean = () => true,
  quietMs = 700,
  maxWaitMs = 3000,
): void {
  const { resyncs } = useLive();
  const latestReload = useRef(reload);
  useEffect(() => {
    latestReload.current = reload;
  });
  const schedule = useRef<ReloadSchedule | null>(null);
  useEffect(() => {
    const current = new ReloadSchedule(() => latestReload.current(), quietMs, maxWaitMs);
    schedule.current = current;
    return () => current.cancel();
  }, [quietMs, maxWaitMs]);

  useLiveMessages((message) => {
    if (concerns(message)) schedule.current?.notify();
  });

  const firstResyncs = useRef(resyncs);
  useEffect(() => {
    if (resyncs !== firstResyncs.current) latestReload.current();
  }, [resyncs]);
}
