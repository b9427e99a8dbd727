import { Inbox } from "lucide-react";
import { useEffect, useState } from "react";
import type { DeadLetterSummary } from "@/api/types";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useApi } from "@/hooks/useApi";
import {
  DEAD_LETTER_POLL_MS,
  DEAD_LETTER_SUMMARY_PATH,
  deadLetterNotice,
  keepsAsking,
} from "@/lib/deadLetters";

/** For admin keys: a badge while events wait in the dead letters. Other keys see nothing (the
 * gateway answers them 403, and they are not asked again). */
export function DeadLetterNotice() {
  const [tick, setTick] = useState(0);
  const summary = useApi<DeadLetterSummary>(DEAD_LETTER_SUMMARY_PATH, {}, tick);
  const asking = keepsAsking(summary.error?.status);

  useEffect(() => {
    if (!asking) return;
    const timer = setInterval(() => setTick((n) => n + 1), DEAD_LETTER_POLL_MS);
    return () => clearInterval(timer);
  }, [asking]);

  const notice = asking ? deadLetterNotice(summary.data) : null;
  if (!notice) return null;
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          role="status"
          data-testid="dead-letters"
          className="inline-flex h-8 items-center gap-1.5 rounded-full border border-amber-500/40 bg-amber-500/10 px-3 text-xs font-medium text-amber-800 dark:text-amber-200"
        >
          <Inbox className="size-3.5" />
          {notice.label}
        </span>
      </TooltipTrigger>
      <TooltipContent className="max-w-xs">{notice.hint}</TooltipContent>
    </Tooltip>
  );
}
