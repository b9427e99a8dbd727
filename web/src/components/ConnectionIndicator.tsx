import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useLive } from "@/live/LiveContext";
import { cn } from "@/lib/utils";

const LOOKS = {
  live: { label: "Live", dot: "bg-emerald-500", hint: "Updates arrive as they happen." },
  connecting: { label: "Connecting", dot: "bg-amber-500", hint: "Opening the live feed…" },
  reconnecting: {
    label: "Reconnecting",
    dot: "bg-amber-500",
    hint: "The live feed dropped; it resumes where it left off.",
  },
  stopped: { label: "Offline", dot: "bg-slate-400", hint: "The live feed is closed." },
} as const;

export function ConnectionIndicator() {
  const { status } = useLive();
  const look = LOOKS[status];
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          data-testid="connection"
          data-state={status}
          className="bg-background inline-flex h-8 items-center gap-2 rounded-full border px-3 text-xs font-medium"
        >
          <span className="relative flex size-2">
            {status === "live" && (
              <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-60" />
            )}
            <span className={cn("relative inline-flex size-2 rounded-full", look.dot)} />
          </span>
          {look.label}
        </span>
      </TooltipTrigger>
      <TooltipContent>{look.hint}</TooltipContent>
    </Tooltip>
  );
}
