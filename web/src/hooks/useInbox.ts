import { useState } from "react";
import { useLocation } from "wouter";
import type { QueryParams } from "@/api/client";
import type { Inbox } from "@/api/types";
import { notifyState, waitNotice } from "@/lib/browserNotifications";
import { INBOX_PATH, inboxConcerns, NewWaits } from "@/lib/inbox";
import { useLiveMessages } from "@/live/LiveContext";
import { taskPath } from "@/views/TaskTable";
import { useApi, type ApiState } from "./useApi";
import { useLiveRefresh } from "./useLiveRefresh";

/** The inbox, reloaded after the live messages that may change it (at most one reload in
 * flight, a few seconds apart under a continuous stream: see `useLiveRefresh`). */
export function useInbox(params: QueryParams): ApiState<Inbox> {
  const inbox = useApi<Inbox>(INBOX_PATH, params);
  useLiveRefresh(inbox.reload, inboxConcerns(inbox.data));
  return inbox;
}

/** At most this many notifications for one batch of live messages. */
const MAX_NOTIFICATIONS = 3;

/** Shows a browser notification when a task starts waiting on a person, once notifications were
 * turned on in the inbox; clicking it opens the task. */
export function useWaitNotifications(): void {
  const [waits] = useState(() => new NewWaits());
  const [, navigate] = useLocation();
  useLiveMessages((batch) => {
    const started = waits.take(batch.messages);
    if (started.length === 0 || notifyState() !== "on") return;
    for (const message of started.slice(0, MAX_NOTIFICATIONS)) {
      const notice = waitNotice(message.data);
      const shown = new Notification(notice.title, { body: notice.body, tag: notice.tag });
      shown.onclick = () => {
        window.focus();
        navigate(taskPath(message.data));
        shown.close();
      };
    }
  });
}
