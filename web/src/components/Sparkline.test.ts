import { describe, expect, it } from "vitest";
import { sparklinePaths } from "./Sparkline";

describe("sparklinePaths", () => {
  it("spans the box from the first value to the last, highest at the top", () => {
    const { line } = sparklinePaths([0, 4, 2]);
    expect(line.startsWith("M0,40")).toBe(true);
    expect(line).toContain("50,2");
    expect(line.endsWith("100,21")).toBe(true);
  });

  it("fills down to the bottom edge", () => {
    const { area } = sparklinePaths([1, 1]);
    expect(area).toContain("100,2");
    expect(area).toContain("100,40");
    expect(area).toContain("0,40");
  });

  it("draws a day without tasks flat on the bottom edge", () => {
    const heights = sparklinePaths([0, 0, 0])
      .line.split(/[MC]/)
      .filter(Boolean)
      .flatMap((segment) => segment.split(",").filter((_, index) => index % 2 === 1));
    expect(new Set(heights)).toEqual(new Set(["40"]));
  });
});
