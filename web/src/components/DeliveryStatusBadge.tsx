import type { DeliveryStatus } from "@/api/notify";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";

const STYLES: Record<DeliveryStatus, string> = {
  sent: "bg-emerald-500/10 text-emerald-700 border-emerald-500/20 dark:text-emerald-300",
  failed: "bg-red-500/10 text-red-700 border-red-500/20 dark:text-red-300",
  retrying: "bg-amber-500/10 text-amber-700 border-amber-500/25 dark:text-amber-300",
  pending: "bg-slate-500/10 text-slate-700 border-slate-500/20 dark:text-slate-300",
};

export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, string> = {
  sent: "Sent",
  failed: "Failed",
  retrying: "Retrying",
  pending: "Pending",
};

export function DeliveryStatusBadge({
  status,
  className,
}: {
  status: DeliveryStatus;
  className?: string;
}) {
  return (
    <Badge variant="outline" data-status={status} className={cn(STYLES[status], className)}>
      {DELIVERY_STATUS_LABELS[status]}
    </Badge>
  );
}
