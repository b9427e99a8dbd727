import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "@/testing/manualClock";
import { ReloadSchedule } from "./reloadSchedule";

describe("ReloadSchedule", () => {
  let reloads: number[];
  let clock: ManualClock;
  let schedule: ReloadSchedule;

  beforeEach(() => {
    reloads = [];
    clock = new ManualClock();
    schedule = new ReloadSchedule(() => reloads.push(clock.now()), 700, 3000, 2500, clock);
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
  });

  it("does not wait longer than the limit during a steady burst", () => {
    for (let t = 0; t < 5000; t += 200) {
      schedule.notify();
      clock.advance(200);
    }
    expect(reloads[0]).toBe(3000);
  });

  it("forgets what was pending when cancelled", () => {
    schedule.notify();
    schedule.cancel();
    clock.advance(10_000);
    expect(reloads).toEqual([]);
  });
});
