import { Wallet } from "lucide-react";
import type { BudgetStatus } from "@/api/types";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { budgetHint, budgetLabel, budgetLevel, type BudgetLevel } from "@/lib/budget";
import { cn } from "@/lib/utils";

const TONES: Record<BudgetLevel, string> = {
  within: "border-border text-muted-foreground",
  warning: "border-amber-500/40 bg-amber-500/10 text-amber-800 dark:text-amber-200",
  over: "border-red-500/40 bg-red-500/10 text-red-700 dark:text-red-300",
};

/** The share of its budget a project has spent this period; amber from 80 %, red from 100 %. */
export function BudgetBadge({ status }: { status: BudgetStatus }) {
  const level = budgetLevel(status.percent);
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          data-testid="budget"
          data-level={level}
          className={cn(
            "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium tabular-nums",
            TONES[level],
          )}
        >
          <Wallet className="size-3" />
          {budgetLabel(status)}
        </span>
      </TooltipTrigger>
      <TooltipContent>{budgetHint(status)}</TooltipContent>
    </Tooltip>
  );
}
