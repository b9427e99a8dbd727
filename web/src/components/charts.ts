/** Shared looks of the statistics charts, following the page's light or dark colours. */

export const CHART_COLORS = {
  started: "var(--chart-1)",
  completed: "var(--chart-2)",
  failed: "var(--chart-3)",
  duration: "var(--chart-5)",
  cost: "var(--chart-4)",
};

export const axisProps = {
  stroke: "var(--muted-foreground)",
  fontSize: 11,
  tickLine: false,
  axisLine: false,
} as const;

export const gridProps = {
  stroke: "var(--border)",
  strokeDasharray: "3 3",
  vertical: false,
} as const;

export const tooltipProps = {
  contentStyle: {
    background: "var(--popover)",
    border: "1px solid var(--border)",
    borderRadius: 8,
    color: "var(--popover-foreground)",
    fontSize: 12,
  },
  labelStyle: { color: "var(--muted-foreground)", marginBottom: 4 },
  cursor: { fill: "var(--muted)", opacity: 0.5 },
} as const;

/** Series drawn without animation: a live page redraws them every few seconds, and each
 * animation would cost a second and a half of frames every time. */
export const seriesProps = { isAnimationActive: false } as const;
