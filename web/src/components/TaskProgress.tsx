import type { Task } from "@/api/types";
import { Progress } from "@/components/ui/progress";
import { cn } from "@/lib/utils";
import { STATUS_STYLES } from "./StatusBadge";

export function TaskProgress({
  task,
  className,
  showValue = true,
}: {
  task: Pick<Task, "status" | "progress">;
  className?: string;
  showValue?: boolean;
}) {
  return (
    <div className={cn("flex items-center gap-2", className)}>
      <Progress
        value={task.progress}
        aria-label={`${task.progress}% done`}
        className="h-1.5 bg-muted"
        indicatorClassName={STATUS_STYLES[task.status].bar}
      />
      {showValue && (
        <span className="text-muted-foreground w-9 shrink-0 text-right text-xs tabular-nums">
          {task.progress}%
        </span>
      )}
    </div>
  );
}
