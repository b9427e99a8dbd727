import { Activity, CheckCircle2, Play, XCircle, type LucideIcon } from "lucide-react";
import type { EventKind, TaskEvent, TaskStatus } from "@/api/types";
import { RelativeTime } from "@/components/RelativeTime";
import { STATUS_LABELS } from "@/components/StatusBadge";
import { formatDuration, formatTimestamp } from "@/lib/format";
import { eventUsageLine } from "@/lib/usage";
import { cn } from "@/lib/utils";

const KINDS: Record<EventKind, { label: string; icon: LucideIcon; tone: string }> = {
  start: { label: "Started", icon: Play, tone: "bg-blue-500/15 text-blue-600 dark:text-blue-400" },
  status: {
    label: "Status",
    icon: Activity,
    tone: "bg-slate-500/15 text-slate-600 dark:text-slate-300",
  },
  finish: {
    label: "Finished",
    icon: CheckCircle2,
    tone: "bg-emerald-500/15 text-emerald-600 dark:text-emerald-400",
  },
  error: { label: "Failed", icon: XCircle, tone: "bg-red-500/15 text-red-600 dark:text-red-400" },
};

function text(value: unknown): string | null {
  return typeof value === "string" && value ? value : null;
}

function describe(event: TaskEvent): { headline: string; detail: string | null } {
  const p = event.payload;
  switch (event.kind) {
    case "start":
      return { headline: `Started by ${event.agent}`, detail: null };
    case "status": {
      const status = text(p.status) ?? "running";
      const progress = typeof p.progress === "number" ? ` · ${p.progress}%` : "";
      return {
        headline: `${STATUS_LABELS[status as TaskStatus] ?? status}${progress}`,
        detail: text(p.message),
      };
    }
    case "finish": {
      const took =
        typeof p.duration_seconds === "number" ? ` in ${formatDuration(p.duration_seconds)}` : "";
      return { headline: `Completed${took}`, detail: text(p.result) };
    }
    case "error":
      return { headline: text(p.error_type) ?? "Error", detail: text(p.error_message) };
  }
}

export function Timeline({ events }: { events: TaskEvent[] }) {
  return (
    <ol className="relative flex flex-col" data-testid="timeline">
      {events.map((event, index) => {
        const kind = KINDS[event.kind];
        const { headline, detail } = describe(event);
        const usage = eventUsageLine(event.usage);
        const Icon = kind.icon;
        return (
          <li
            key={event.event_id}
            className="relative flex gap-3 pb-5 last:pb-0"
            data-kind={event.kind}
          >
            {index < events.length - 1 && (
              <span className="bg-border absolute top-8 bottom-0 left-[15px] w-px" aria-hidden />
            )}
            <span
              className={cn(
                "z-10 flex size-8 shrink-0 items-center justify-center rounded-full",
                kind.tone,
              )}
            >
              <Icon className="size-4" />
            </span>
            <div className="min-w-0 flex-1 pt-1">
              <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                <span className="text-sm font-medium">{headline}</span>
                <RelativeTime
                  iso={event.occurred_at}
                  className="text-muted-foreground shrink-0 text-xs"
                />
              </div>
              {detail && (
                <p className="text-muted-foreground mt-0.5 text-sm break-words">{detail}</p>
              )}
              {usage && (
                <div
                  data-testid="event-usage"
                  className="text-muted-foreground mt-0.5 font-mono text-xs tabular-nums"
                >
                  {usage}
                </div>
              )}
              <div className="text-muted-foreground/80 mt-0.5 text-xs">
                {kind.label} · {formatTimestamp(event.occurred_at)} · {event.agent}
              </div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
