/**
 * What the statistics charts draw, and how: only what happened.
 *
 * Curves are monotone: between two buckets the line never leaves the range of their values, so
 * a count never dips below zero and a rate never passes 0 % or 100 % between points. A bucket
 * in which no task finished has no success rate (`null`, not 0 %): the line breaks there, and a
 * rate with no neighbour on either side is drawn as a dot, since a line needs two points.
 */
import type { TimeSeries } from "@/api/types";

export const CURVE = "monotone" as const;

/** Line props for a series with gaps: a break where there is no data, never a bridge. */
export const WITH_GAPS = { type: CURVE, connectNulls: false } as const;

type SeriesPoint = TimeSeries["points"][number];

export interface ChartPoint extends SeriesPoint {
  label: string;
  /** Completed among finished, in percent with one decimal; null when nothing finished. */
  success: number | null;
  /** The success rate stands alone: no rate in the bucket before or after it. */
  lone: boolean;
}

export function successRate(completed: number, failed: number): number | null {
  const finished = completed + failed;
  return finished > 0 ? Math.round((completed / finished) * 1000) / 10 : null;
}

export function chartPoints(points: SeriesPoint[], label: (start: string) => string): ChartPoint[] {
  const rates = points.map((point) => successRate(point.completed, point.failed));
  return points.map((point, index) => ({
    ...point,
    label: label(point.start),
    success: rates[index],
    lone: rates[index] !== null && rates[index - 1] == null && rates[index + 1] == null,
  }));
}
