import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "@/testing/manualClock";
import { ReloadSchedule } from "./reloadSchedule";

const timing = { quietMs: 700, maxWaitMs: 3000, settleMs: 2500, minGapMs: 2000 };

describe("ReloadSchedule", () => {
  let reloads: number[];
  let clock: ManualClock;
  let schedule: ReloadSchedule;

  beforeEach(() => {
    reloads = [];
    clock = new ManualClock();
    schedule = new ReloadSchedule(() => void reloads.push(clock.now()), timing, clock);
  });

  it("reloads once the messages pause, then once more after the database settles", () => {
    schedule.notify();
    clock.advance(300);
    schedule.notify();
    clock.advance(699);
    expect(reloads).toEqual([]);
    clock.advance(1);
    expect(reloads).toEqual([1000]);
    clock.advance(2500);
    expect(reloads).toEqual([1000, 3500]);
    clock.advance(10_000);
    expect(reloads).toEqual([1000, 3500]);
  });

  it("does not wait longer than the limit during a steady burst", () => {
    for (let t = 0; t < 5000; t += 200) {
      schedule.notify();
      clock.advance(200);
    }
    expect(reloads[0]).toBe(3000);
  });

  it("reloads once per maxWaitMs under a continuous stream, one frame apart", () => {
    for (let t = 0; t < 60_000; t += 16) {
      schedule.notify();
      clock.advance(16);
    }
    expect(reloads.length).toBeGreaterThanOrEqual(19);
    expect(reloads.length).toBeLessThanOrEqual(20);
    const gaps = reloads.slice(1).map((at, i) => at - reloads[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3000);
  });

  it("sets a timer per reload, not per batch, under a continuous stream", () => {
    let timersSet = 0;
    const counting = { ...clock, now: clock.now, clearTimeout: clock.clearTimeout };
    counting.setTimeout = (run: () => void, ms: number) => {
      timersSet += 1;
      return clock.setTimeout(run, ms);
    };
    const counted = new ReloadSchedule(() => undefined, timing, counting);
    for (let t = 0; t < 30_000; t += 16) {
      counted.notify();
      clock.advance(16);
    }
    expect(timersSet).toBeLessThan(60);
  });

  it("keeps reloads apart when lone messages come just after each quiet period", () => {
    for (let t = 0; t < 20_000; t += 710) {
      schedule.notify();
      clock.advance(710);
    }
    const gaps = reloads.slice(1).map((at, i) => at - reloads[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2000);
    expect(reloads.length).toBeLessThanOrEqual(10);
  });

  it("forgets what was pending when cancelled", () => {
    schedule.notify();
    schedule.cancel();
    clock.advance(10_000);
    expect(reloads).toEqual([]);
  });

  it("never has two reloads in flight, and runs one that fell due meanwhile once", async () => {
    const ends: (() => void)[] = [];
    const started: number[] = [];
    const slow = new ReloadSchedule(
      () => {
        started.push(clock.now());
        return new Promise<void>((resolve) => ends.push(resolve));
      },
      timing,
      clock,
    );
    slow.notify();
    clock.advance(700);
    expect(started).toEqual([700]);
    // The answer takes 20 s; messages keep coming.
    for (let t = 0; t < 20_000; t += 100) {
      slow.notify();
      clock.advance(100);
    }
    expect(started).toEqual([700]);
    ends[0]();
    await Promise.resolve();
    expect(started).toEqual([700, 20_700]);
  });
});
