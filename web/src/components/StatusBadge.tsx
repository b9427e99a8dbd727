import type { TaskStatus } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";

export const STATUS_STYLES: Record<TaskStatus, { badge: string; dot: string; bar: string }> = {
  pending: {
    badge: "bg-slate-500/10 text-slate-700 border-slate-500/20 dark:text-slate-300",
    dot: "bg-slate-400",
    bar: "bg-slate-400",
  },
  running: {
    badge: "bg-blue-500/10 text-blue-700 border-blue-500/20 dark:text-blue-300",
    dot: "bg-blue-500",
    bar: "bg-blue-500",
  },
  paused: {
    badge: "bg-amber-500/10 text-amber-700 border-amber-500/25 dark:text-amber-300",
    dot: "bg-amber-500",
    bar: "bg-amber-500",
  },
  needs_input: {
    badge: "bg-violet-500/10 text-violet-700 border-violet-500/25 dark:text-violet-300",
    dot: "bg-violet-500",
    bar: "bg-violet-500",
  },
  completed: {
    badge: "bg-emerald-500/10 text-emerald-700 border-emerald-500/20 dark:text-emerald-300",
    dot: "bg-emerald-500",
    bar: "bg-emerald-500",
  },
  failed: {
    badge: "bg-red-500/10 text-red-700 border-red-500/20 dark:text-red-300",
    dot: "bg-red-500",
    bar: "bg-red-500",
  },
  stale: {
    badge: "bg-orange-500/10 text-orange-700 border-orange-500/25 dark:text-orange-300",
    dot: "bg-orange-500",
    bar: "bg-orange-400",
  },
};

export const STATUS_LABELS: Record<TaskStatus, string> = {
  pending: "Pending",
  running: "Running",
  paused: "Paused",
  needs_input: "Needs input",
  completed: "Completed",
  failed: "Failed",
  stale: "Stale",
};

export function StatusDot({ status, className }: { status: TaskStatus; className?: string }) {
  return (
    <span
      className={cn(
        "inline-block size-1.5 rounded-full",
        STATUS_STYLES[status].dot,
        (status === "running" || status === "needs_input") && "animate-live",
        className,
      )}
    />
  );
}

export function StatusBadge({ status, className }: { status: TaskStatus; className?: string }) {
  return (
    <Badge
      variant="outline"
      data-status={status}
      className={cn("gap-1.5", STATUS_STYLES[status].badge, className)}
    >
      <StatusDot status={status} />
      {STATUS_LABELS[status]}
    </Badge>
  );
}
