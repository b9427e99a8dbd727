import { ChevronLeft, ChevronRight, RotateCw } from "lucide-react";
import { useState } from "react";
import type { Channel, DeliveryPage, DeliveryStatus } from "@/api/notify";
import { notificationsPath } from "@/api/notify";
import { DELIVERY_STATUS_LABELS, DeliveryStatusBadge } from "@/components/DeliveryStatusBadge";
import { ErrorBanner } from "@/components/ErrorBanner";
import { RelativeTime } from "@/components/RelativeTime";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { useApi } from "@/hooks/useApi";
import { DELIVERY_STATUSES, deliveryQuery } from "@/lib/notifyForms";
import { selectClass } from "./TaskFilters";

const KIND_LABELS: Record<string, string> = {
  task_failed: "Task failed",
  task_stale: "Went stale",
  needs_input: "Waiting for input",
  task_finished: "Finished",
  test: "Test",
};

/** Every delivery of the project's notifications, newest first, a page at a time; `refresh`
 * asks again (after a test was sent). */
export function DeliveryLog({
  project,
  channels,
  refresh,
}: {
  project: string;
  channels: Channel[];
  refresh: number;
}) {
  const [channelId, setChannelId] = useState("");
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  // The `before` of each page shown so far: the last is the page on screen.
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const before = pages.at(-1) ?? null;
  const log = useApi<DeliveryPage>(
    notificationsPath(project, "/deliveries"),
    { ...deliveryQuery({ channelId, status, before }) },
    refresh,
  );
  const filter = (apply: () => void) => {
    apply();
    setPages([null]);
  };
  const items = log.data?.items;
  return (
    <Card className="gap-2 pb-2">
      <CardHeader className="flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <CardTitle>Delivery log</CardTitle>
          <CardDescription>Every notification sent or being retried, newest first.</CardDescription>
        </div>
        <div className="flex flex-wrap gap-2">
          <select
            aria-label="Channel"
            className={selectClass}
            value={channelId}
            onChange={(event) => filter(() => setChannelId(event.target.value))}
          >
            <option value="">All channels</option>
            {channels.map((channel) => (
              <option key={channel.id} value={channel.id}>
                {channel.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Status"
            className={selectClass}
            value={status}
            onChange={(event) => filter(() => setStatus(event.target.value as DeliveryStatus | ""))}
          >
            <option value="">Any status</option>
            {DELIVERY_STATUSES.map((value) => (
              <option key={value} value={value}>
                {DELIVERY_STATUS_LABELS[value]}
              </option>
            ))}
          </select>
          <Button variant="outline" size="icon" aria-label="Refresh" onClick={log.reload}>
            <RotateCw />
          </Button>
        </div>
      </CardHeader>
      {log.error && !items ? (
        <CardContent>
          <ErrorBanner error={log.error} onRetry={log.reload} />
        </CardContent>
      ) : !items ? (
        <CardContent>
          <Skeleton className="h-32" />
        </CardContent>
      ) : items.length === 0 ? (
        <CardContent className="text-muted-foreground py-6 text-center text-sm">
          {channelId || status ? "No delivery matches this filter." : "Nothing sent yet."}
        </CardContent>
      ) : (
        <Table>
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="pl-5">Status</TableHead>
              <TableHead>Notification</TableHead>
              <TableHead className="hidden md:table-cell">Channel</TableHead>
              <TableHead className="text-right">Code</TableHead>
              <TableHead className="text-right">Attempts</TableHead>
              <TableHead className="pr-5 text-right">Time</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((delivery) => (
              <TableRow key={delivery.id} data-testid="delivery" data-status={delivery.status}>
                <TableCell className="pl-5">
                  <DeliveryStatusBadge status={delivery.status} />
                </TableCell>
                <TableCell className="max-w-[14rem] sm:max-w-md">
                  <div className="truncate">{delivery.summary}</div>
                  <div className="text-muted-foreground truncate text-xs">
                    {KIND_LABELS[delivery.kind] ?? delivery.kind}
                    {delivery.error && ` · ${delivery.error}`}
                    {delivery.status === "retrying" && delivery.next_attempt_at && (
                      <>
                        {" · next try "}
                        <RelativeTime iso={delivery.next_attempt_at} />
                      </>
                    )}
                  </div>
                </TableCell>
                <TableCell className="text-muted-foreground hidden md:table-cell">
                  {delivery.channel_name}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {delivery.response_code ?? "—"}
                </TableCell>
                <TableCell className="text-right tabular-nums">{delivery.attempts}</TableCell>
                <TableCell className="text-muted-foreground pr-5 text-right text-xs">
                  <RelativeTime iso={delivery.sent_at ?? delivery.created_at} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <nav aria-label="Delivery pages" className="flex justify-end gap-2 px-5 py-2">
        <Button
          variant="outline"
          size="sm"
          disabled={pages.length <= 1}
          onClick={() => setPages((shown) => shown.slice(0, -1))}
        >
          <ChevronLeft /> Newer
        </Button>
        <Button
          variant="outline"
          size="sm"
          disabled={!log.data?.next_before}
          onClick={() => {
            const next = log.data?.next_before;
            if (next) setPages((shown) => [...shown, next]);
          }}
        >
          Older <ChevronRight />
        </Button>
      </nav>
    </Card>
  );
}
