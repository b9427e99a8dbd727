import { describe, expect, it } from "vitest";
import { flashClass } from "./flash";

describe("flashClass", () => {
  it("does not flash what never changed", () => {
    expect(flashClass(0)).toBeUndefined();
  });

  it("changes the animation on every change, so each one restarts it", () => {
    const classes = [1, 2, 3, 4].map(flashClass);
    expect(classes).toEqual([
      "animate-flash",
      "animate-flash-again",
      "animate-flash",
      "animate-flash-again",
    ]);
  });
});
