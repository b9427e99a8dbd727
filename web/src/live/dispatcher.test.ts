import { beforeEach, describe, expect, it } from "vitest";
import { ManualFrames } from "@/testing/manualFrames";
import { LiveDispatcher, batchConcerns, type LiveBatch } from "./dispatcher";
import type { TaskMessage } from "./messages";

function message(project: string, taskId = "t-1"): TaskMessage {
  return {
    type: "task_status",
    timestamp: "2026-01-01T10:00:00Z",
    data: { task_id: taskId, title: "T", project, agent: "bot", status: "running" },
  };
}

describe("LiveDispatcher", () => {
  let frames: ManualFrames;
  let dispatcher: LiveDispatcher;
  let batches: LiveBatch[];

  beforeEach(() => {
    frames = new ManualFrames();
    dispatcher = new LiveDispatcher({ clock: frames, maxQueued: 5, fallbackMs: 1000 });
    batches = [];
    dispatcher.subscribe((batch) => batches.push(batch));
  });

  it("delivers every message of a frame in one batch, in order", () => {
    for (const project of ["a", "b", "a"]) dispatcher.publish(message(project));
    expect(batches).toEqual([]);
    expect(frames.pendingFrames).toBe(1);
    frames.drawFrame();
    expect(batches).toHaveLength(1);
    expect(batches[0].messages.map((m) => m.data.project)).toEqual(["a", "b", "a"]);
    expect([...batches[0].projects]).toEqual(["a", "b"]);
    expect(batches[0].overflowed).toBe(false);
  });

  it("draws nothing when nothing arrived", () => {
    dispatcher.publish(message("a"));
    frames.drawFrame();
    frames.drawFrame();
    frames.advance(5000);
    expect(batches).toHaveLength(1);
    expect(frames.pendingFrames).toBe(0);
  });

  it("flushes on a timer when no frame comes (a hidden page)", () => {
    dispatcher.publish(message("a"));
    frames.advance(999);
    expect(batches).toEqual([]);
    frames.advance(1);
    expect(batches).toHaveLength(1);
    // The frame requested earlier no longer flushes anything.
    expect(frames.pendingFrames).toBe(0);
  });

  it("keeps a bounded queue, still naming every project and saying it dropped some", () => {
    for (let n = 0; n < 12; n++) dispatcher.publish(message(`p${n}`));
    frames.drawFrame();
    const [batch] = batches;
    expect(batch.messages).toHaveLength(5);
    expect(batch.projects.size).toBe(12);
    expect(batch.overflowed).toBe(true);
    expect(batchConcerns(batch, () => false)).toBe(true);
    frames.advance(100);
    dispatcher.publish(message("a"));
    frames.drawFrame();
    expect(batches[1].overflowed).toBe(false);
  });

  it("hands out at most one batch per interval, on a frame", () => {
    dispatcher.publish(message("a"));
    frames.drawFrame();
    frames.advance(30);
    dispatcher.publish(message("b"));
    dispatcher.publish(message("c"));
    frames.drawFrame();
    expect(batches).toHaveLength(1);
    frames.advance(69);
    expect(frames.pendingFrames).toBe(0);
    frames.advance(1);
    expect(frames.pendingFrames).toBe(1);
    frames.drawFrame();
    expect(batches.map((batch) => batch.messages.length)).toEqual([1, 2]);
    // After a quiet spell the next message goes out on the next frame.
    frames.advance(500);
    dispatcher.publish(message("d"));
    frames.drawFrame();
    expect(batches).toHaveLength(3);
  });

  it("gives the batch to the other subscribers when one throws", () => {
    const errors: unknown[] = [];
    const guarded = new LiveDispatcher({ clock: frames, onError: (e) => errors.push(e) });
    const seen: number[] = [];
    guarded.subscribe(() => {
      throw new Error("boom");
    });
    guarded.subscribe((batch) => seen.push(batch.messages.length));
    guarded.publish(message("a"));
    frames.drawFrame();
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it("stops delivering to those who left, and after stop", () => {
    const seen: LiveBatch[] = [];
    const leave = dispatcher.subscribe((batch) => seen.push(batch));
    leave();
    dispatcher.publish(message("a"));
    dispatcher.stop();
    frames.drawFrame();
    frames.advance(5000);
    expect(seen).toEqual([]);
    expect(batches).toEqual([]);
  });
});

describe("batchConcerns", () => {
  it("asks each message until one concerns the caller", () => {
    const batch: LiveBatch = {
      messages: [message("a"), message("b")],
      projects: new Set(["a", "b"]),
      overflowed: false,
    };
    expect(batchConcerns(batch, (m) => m.data.project === "b")).toBe(true);
    expect(batchConcerns(batch, (m) => m.data.project === "c")).toBe(false);
  });
});
