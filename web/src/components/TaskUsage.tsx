import { Coins } from "lucide-react";
import type { UsageTotals } from "@/api/types";
import { usageLine } from "@/lib/usage";
import { cn } from "@/lib/utils";

/** A task's tokens and cost on a card or row; nothing when it reported no usage. */
export function TaskUsage({
  usage,
  className,
}: {
  usage: UsageTotals | null | undefined;
  className?: string;
}) {
  const line = usageLine(usage);
  if (!line) return null;
  return (
    <span
      data-testid="task-usage"
      className={cn(
        "text-muted-foreground inline-flex items-center gap-1 text-xs tabular-nums",
        className,
      )}
      title="Tokens and cost reported by the task's events"
    >
      <Coins className="size-3 shrink-0" aria-hidden />
      <span className="truncate">{line}</span>
    </span>
  );
}
