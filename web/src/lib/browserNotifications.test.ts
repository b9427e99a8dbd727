import { describe, expect, it } from "vitest";
import {
  disableNotifications,
  enableNotifications,
  notifyState,
  waitNotice,
  type NotifyPlatform,
} from "./browserNotifications";

function platform(permission: NotificationPermission | null, answer: NotificationPermission) {
  const stored = new Map<string, string>();
  let asked = 0;
  const fake: NotifyPlatform = {
    permission: () => permission,
    requestPermission: () => {
      asked += 1;
      permission = answer;
      return Promise.resolve(answer);
    },
    storage: {
      getItem: (key) => stored.get(key) ?? null,
      setItem: (key, value) => void stored.set(key, value),
      removeItem: (key) => void stored.delete(key),
    },
  };
  return { fake, asked: () => asked };
}

describe("browser notifications", () => {
  it("asks the permission once, then are on until turned off", async () => {
    const { fake, asked } = platform("default", "granted");
    expect(notifyState(fake)).toBe("off");
    expect(await enableNotifications(fake)).toBe("on");
    expect(await enableNotifications(fake)).toBe("on");
    expect(asked()).toBe(1);
    expect(disableNotifications(fake)).toBe("off");
    expect(await enableNotifications(fake)).toBe("on");
    expect(asked()).toBe(1);
  });

  it("stay off when the permission is refused, and say so when the browser has none", async () => {
    const refused = platform("default", "denied");
    expect(await enableNotifications(refused.fake)).toBe("denied");
    const none = platform(null, "granted");
    expect(await enableNotifications(none.fake)).toBe("unsupported");
    expect(none.asked()).toBe(0);
  });

  it("name the task, its agent, its project and its question", () => {
    expect(
      waitNotice({
        project: "p",
        task_id: "t",
        title: "Fix the build",
        agent: "claude-code",
        message: "Allow Bash?",
      }),
    ).toEqual({
      title: "Needs input: Fix the build",
      body: "claude-code in p: Allow Bash?",
      tag: "needs-input:p/t",
    });
  });
});
