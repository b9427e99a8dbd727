import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/utils";

export function StatCard({
  label,
  value,
  hint,
  icon: Icon,
  tone = "text-primary bg-primary/10",
  loading = false,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  icon: LucideIcon;
  tone?: string;
  loading?: boolean;
  testId?: string;
}) {
  return (
    <Card className="gap-2 px-5 py-4">
      <div className="flex items-center justify-between">
        <span className="text-muted-foreground text-sm font-medium">{label}</span>
        <span className={cn("flex size-8 items-center justify-center rounded-lg", tone)}>
          <Icon className="size-4" />
        </span>
      </div>
      {loading ? (
        <Skeleton className="h-8 w-20" />
      ) : (
        <div data-testid={testId} className="text-2xl font-semibold tabular-nums tracking-tight">
          {value}
        </div>
      )}
      {hint && <div className="text-muted-foreground text-xs">{hint}</div>}
    </Card>
  );
}
