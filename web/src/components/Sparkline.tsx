import { Area, AreaChart, ResponsiveContainer, YAxis } from "recharts";
import { CURVE } from "@/components/chartSeries";

/** A tiny area chart without axes, for a trend at a glance. */
export function Sparkline({
  values,
  color = "var(--chart-1)",
  id,
}: {
  values: number[];
  color?: string;
  id: string;
}) {
  const data = values.map((value, index) => ({ index, value }));
  const gradient = `spark-${id.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <AreaChart data={data} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
        <defs>
          <linearGradient id={gradient} x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor={color} stopOpacity={0.35} />
            <stop offset="100%" stopColor={color} stopOpacity={0} />
          </linearGradient>
        </defs>
        <YAxis hide domain={[0, (max: number) => Math.max(1, max)]} />
        <Area
          type={CURVE}
          dataKey="value"
          stroke={color}
          strokeWidth={1.5}
          fill={`url(#${gradient})`}
          isAnimationActive={false}
        />
      </AreaChart>
    </ResponsiveContainer>
  );
}
