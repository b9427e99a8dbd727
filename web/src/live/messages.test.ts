import { describe, expect, it } from "vitest";
import { compareStreamIds, isTaskMessage, parseMessage } from "./messages";

describe("parseMessage", () => {
  it("reads task messages and control messages", () => {
    const task = parseMessage(
      JSON.stringify({ type: "task_started", data: { task_id: "t" }, timestamp: "x", id: "1-0" }),
    );
    expect(task && isTaskMessage(task)).toBe(true);
    const beat = parseMessage(JSON.stringify({ type: "heartbeat", data: { last_id: null } }));
    expect(beat && isTaskMessage(beat)).toBe(false);
  });

  it("returns null for pong, unknown types and broken frames", () => {
    expect(parseMessage("pong")).toBeNull();
    expect(parseMessage(JSON.stringify({ type: "mystery", data: {} }))).toBeNull();
    expect(parseMessage(JSON.stringify({ type: "task_status" }))).toBeNull();
    expect(parseMessage("[1,2]")).toBeNull();
  });
});

describe("compareStreamIds", () => {
  it("orders by milliseconds, then sequence, beyond float precision", () => {
    expect(compareStreamIds("1732530000000-0", "1732530000001-0")).toBe(-1);
    expect(compareStreamIds("1732530000000-10", "1732530000000-9")).toBe(1);
    expect(compareStreamIds("5-0", "5")).toBe(0);
    expect(compareStreamIds("9007199254740993-0", "9007199254740992-0")).toBe(1);
    expect(compareStreamIds("999-5", "1000-0")).toBe(-1);
    expect(compareStreamIds("1000-0", "999-5")).toBe(1);
    expect(compareStreamIds("7-3", "7-3")).toBe(0);
  });
});
