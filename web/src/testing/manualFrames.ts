import type { FrameClock } from "@/live/dispatcher";
import { ManualClock } from "./manualClock";

/** A `FrameClock` for unit tests: frames are drawn only when the test calls `drawFrame`, and
 * timers run only when it moves time forward. */
export class ManualFrames extends ManualClock implements FrameClock {
  private nextFrame = 1;
  private readonly frames = new Map<number, () => void>();

  requestFrame = (callback: () => void): number => {
    const id = this.nextFrame++;
    this.frames.set(id, callback);
    return id;
  };

  cancelFrame = (id: unknown): void => {
    this.frames.delete(id as number);
  };

  get pendingFrames(): number {
    return this.frames.size;
  }

  /** Runs the callbacks requested before this frame. */
  drawFrame(): void {
    const due = [...this.frames.values()];
    this.frames.clear();
    for (const callback of due) callback();
  }
}
