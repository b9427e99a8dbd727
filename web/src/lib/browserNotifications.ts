/** Browser notifications of tasks that start waiting on a person: asked for once, from a button,
 * and remembered in this browser. */

const STORAGE_KEY = "agent-tracker.notify-needs-input";

export type NotifyState = "unsupported" | "denied" | "off" | "on";

/** The parts of the Notification API and storage used here, so the logic runs without them. */
export interface NotifyPlatform {
  permission: () => NotificationPermission | null;
  requestPermission: () => Promise<NotificationPermission>;
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

export const browserPlatform: NotifyPlatform = {
  permission: () => (typeof Notification === "undefined" ? null : Notification.permission),
  requestPermission: () => Notification.requestPermission(),
  get storage() {
    return globalThis.localStorage;
  },
};

export function notifyState(platform: NotifyPlatform = browserPlatform): NotifyState {
  const permission = platform.permission();
  if (permission === null) return "unsupported";
  if (permission === "denied") return "denied";
  const wanted = platform.storage.getItem(STORAGE_KEY) === "on";
  return wanted && permission === "granted" ? "on" : "off";
}

/** Turns notifications on: asks the browser's permission unless it was given already. */
export async function enableNotifications(
  platform: NotifyPlatform = browserPlatform,
): Promise<NotifyState> {
  if (platform.permission() === null) return "unsupported";
  const permission =
    platform.permission() === "granted" ? "granted" : await platform.requestPermission();
  if (permission === "granted") platform.storage.setItem(STORAGE_KEY, "on");
  return notifyState(platform);
}

export function disableNotifications(platform: NotifyPlatform = browserPlatform): NotifyState {
  platform.storage.removeItem(STORAGE_KEY);
  return notifyState(platform);
}

export interface WaitNotice {
  title: string;
  body: string;
  /** One notification per task: a newer one replaces it. */
  tag: string;
}

/** What a notification says of a task that started waiting on a person. */
export function waitNotice(task: {
  project: string;
  task_id: string;
  title: string;
  agent: string;
  message?: string | null;
}): WaitNotice {
  return {
    title: `Needs input: ${task.title}`,
    body: `${task.agent} in ${task.project}${task.message ? `: ${task.message}` : ""}`,
    tag: `needs-input:${task.project}/${task.task_id}`,
  };
}
