import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { Curve } from "recharts";
import { describe, expect, it } from "vitest";
import { chartPoints, CURVE, successRate, WITH_GAPS } from "./chartSeries";

/** The path recharts draws through `ys` (x = 0, 10, 20, …; y as given, null for a gap). */
function drawn(ys: (number | null)[], props: object = { type: CURVE }): string {
  const points = ys.map((y, index) => ({ x: index * 10, y }));
  const svg = renderToStaticMarkup(
    createElement("svg", null, createElement(Curve, { ...props, points, layout: "horizontal" })),
  );
  const path = /d="([^"]*)"/.exec(svg);
  expect(path).not.toBeNull();
  return path![1];
}

/** Every y coordinate of a path, control points included (a Bézier stays inside their hull). */
function yCoordinates(path: string): number[] {
  const numbers = (path.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);
  return numbers.filter((_, index) => index % 2 === 1);
}

describe("the curve of the statistics charts", () => {
  it.each([[[0, 0, 5, 0, 0, 0, 1, 0]], [[0, 12, 0, 0, 3, 40, 0]], [[100, 0, 100, 100, 50, 100]]])(
    "never leaves the range of the values around it: %j",
    (values) => {
      const ys = yCoordinates(drawn(values));
      expect(Math.min(...ys)).toBeGreaterThanOrEqual(Math.min(...values));
      expect(Math.max(...ys)).toBeLessThanOrEqual(Math.max(...values));
    },
  );

  it("breaks where there is no data instead of bridging it", () => {
    const path = drawn([80, 90, null, null, 70, 60], WITH_GAPS);
    expect(path.match(/M/g)).toHaveLength(2);
    expect(yCoordinates(path)).not.toContain(0);
  });
});

describe("successRate", () => {
  it("is unknown, not zero, when nothing finished", () => {
    expect(successRate(0, 0)).toBeNull();
  });

  it("is the share of completed among finished", () => {
    expect(successRate(0, 3)).toBe(0);
    expect(successRate(2, 1)).toBe(66.7);
    expect(successRate(5, 0)).toBe(100);
  });
});

describe("chartPoints", () => {
  const point = (completed: number, failed: number) => ({
    start: "2026-01-01T10:00:00Z",
    started: completed + failed,
    completed,
    failed,
  });

  it("marks rates with no neighbour, which only a dot can show", () => {
    const points = chartPoints(
      [point(1, 0), point(0, 0), point(1, 1), point(0, 0), point(2, 0), point(1, 0)],
      () => "10:00",
    );
    expect(points.map((p) => p.success)).toEqual([100, null, 50, null, 100, 100]);
    expect(points.map((p) => p.lone)).toEqual([true, false, true, false, false, false]);
  });
});
