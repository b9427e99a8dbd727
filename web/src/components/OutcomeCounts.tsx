import { formatCount } from "@/lib/format";
import { cn } from "@/lib/utils";

interface Totals {
  active_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
}

export const OUTCOME_TONES = {
  active: "text-blue-600 dark:text-blue-400",
  completed: "text-emerald-600 dark:text-emerald-400",
  failed: "text-red-600 dark:text-red-400",
} as const;

export type Outcome = keyof typeof OUTCOME_TONES;

/** Active, completed and failed tasks, each with its label and colour. */
export function outcomeCounts(
  totals: Totals,
): { outcome: Outcome; label: string; value: number }[] {
  return [
    { outcome: "active", label: "Active", value: totals.active_tasks },
    { outcome: "completed", label: "Completed", value: totals.completed_tasks },
    { outcome: "failed", label: "Failed", value: totals.failed_tasks },
  ];
}

/** The three counts as small tiles, side by side. */
export function OutcomeTiles({ totals, className }: { totals: Totals; className?: string }) {
  return (
    <dl className={cn("grid grid-cols-3 gap-2", className)}>
      {outcomeCounts(totals).map((count) => (
        <div key={count.outcome} className="bg-muted/50 rounded-lg px-3 py-2">
          <dt className="text-muted-foreground text-xs">{count.label}</dt>
          <dd
            data-testid={`count-${count.outcome}`}
            className={cn("text-lg font-semibold tabular-nums", OUTCOME_TONES[count.outcome])}
          >
            {formatCount(count.value)}
          </dd>
        </div>
      ))}
    </dl>
  );
}
