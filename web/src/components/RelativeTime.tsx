import { useNow } from "@/hooks/useNow";
import { formatTimestamp, relativeTime } from "@/lib/format";

/** "3 min ago", kept current, with the exact time on hover. */
export function RelativeTime({
  iso,
  className,
}: {
  iso: string | null | undefined;
  className?: string;
}) {
  const now = useNow(15_000);
  return (
    <time dateTime={iso ?? undefined} title={formatTimestamp(iso)} className={className}>
      {relativeTime(iso, now)}
    </time>
  );
}
