import { area, curveMonotoneX, line } from "d3-shape";

// The path's own coordinates; the SVG stretches them to whatever box it is given, so a card
// needs no measuring (a chart library's resize observer per card cost more than the card).
const WIDTH = 100;
const HEIGHT = 40;
const TOP = 2;

/** The outline and the filled area under it of `values`, in a WIDTH × HEIGHT box. */
export function sparklinePaths(values: readonly number[]): { line: string; area: string } {
  const highest = Math.max(1, ...values);
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  const x = (_: number, index: number) => index * step;
  const y = (value: number) => HEIGHT - (value / highest) * (HEIGHT - TOP);
  return {
    line: line<number>().x(x).y(y).curve(curveMonotoneX)(values) ?? "",
    area: area<number>().x(x).y0(HEIGHT).y1(y).curve(curveMonotoneX)(values) ?? "",
  };
}

/** A tiny area chart without axes, for a trend at a glance. */
export function Sparkline({
  values,
  color = "var(--chart-1)",
  id,
}: {
  values: readonly number[];
  color?: string;
  id: string;
}) {
  const paths = sparklinePaths(values);
  const gradient = `spark-${id.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      className="block h-full w-full overflow-visible"
      aria-hidden="true"
    >
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0%" stopColor={color} stopOpacity={0.35} />
          <stop offset="100%" stopColor={color} stopOpacity={0} />
        </linearGradient>
      </defs>
      <path d={paths.area} fill={`url(#${gradient})`} />
      <path
        d={paths.line}
        fill="none"
        stroke={color}
        strokeWidth={1.5}
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}
