import { Check, Copy, Send, Trash2 } from "lucide-react";
import { useId, useRef, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { ApiError } from "@/api/client";
import type { Channel, CreatedChannel, Delivery, NotifyApi } from "@/api/notify";
import { DeliveryStatusBadge } from "@/components/DeliveryStatusBadge";
import { RelativeTime } from "@/components/RelativeTime";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import {
  CHANNEL_TYPES,
  channelBody,
  channelProblems,
  EMPTY_CHANNEL,
  type ChannelDraft,
  type DraftProblems,
} from "@/lib/notifyForms";
import { cn } from "@/lib/utils";
import { selectClass } from "./TaskFilters";

/** Says why a change failed, in a toast: the API's words, or what a read-only key lacks. */
export function reportFailure(what: string, error: unknown): void {
  const failure = error instanceof ApiError ? error : new ApiError(0, String(error));
  toast.error(
    failure.status === 403
      ? `${what}: this key may not change notifications (it needs the admin scope).`
      : `${what}: ${failure.message}`,
  );
}

/** How often, and how far apart, a test notification's delivery is asked for. */
const TEST_FOLLOW_TRIES = 10;
const TEST_FOLLOW_MS = 1500;

const TYPE_LABELS = Object.fromEntries(CHANNEL_TYPES.map((t) => [t.type, t.label]));

/** A labelled field with its problem below it, tied together for screen readers. */
export function Field({
  label,
  problem,
  hint,
  children,
}: {
  label: string;
  problem?: string;
  hint?: string;
  children: (ids: { id: string; describedBy: string | undefined }) => React.ReactNode;
}) {
  const id = useId();
  const describedBy = problem ? `${id}-problem` : hint ? `${id}-hint` : undefined;
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children({ id, describedBy })}
      {problem ? (
        <p id={`${id}-problem`} className="text-xs text-red-600 dark:text-red-400">
          {problem}
        </p>
      ) : (
        hint && (
          <p id={`${id}-hint`} className="text-muted-foreground text-xs">
            {hint}
          </p>
        )
      )}
    </div>
  );
}

/** The new channel's signing secret, shown this once, with a button that copies it. */
function SecretOnce({ channel, onDone }: { channel: CreatedChannel; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(channel.secret ?? "");
      setCopied(true);
    } catch {
      toast.error("Could not copy: select the secret and copy it by hand.");
    }
  };
  return (
    <div
      role="status"
      data-testid="webhook-secret"
      className="flex flex-col gap-3 rounded-lg border border-amber-500/40 bg-amber-500/10 p-4 text-sm"
    >
      <p>
        <span className="font-medium">{channel.name}</span> signs each request with this secret
        (Standard Webhooks). It is shown only now: store it where your receiver reads it.
      </p>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <code className="bg-background min-w-0 flex-1 truncate rounded-md border px-3 py-2 font-mono text-xs select-all">
          {channel.secret}
        </code>
        <div className="flex gap-2">
          <Button type="button" variant="outline" size="sm" onClick={() => void copy()}>
            {copied ? <Check /> : <Copy />} {copied ? "Copied" : "Copy"}
          </Button>
          <Button type="button" size="sm" onClick={onDone}>
            Done
          </Button>
        </div>
      </div>
    </div>
  );
}

function AddChannelForm({
  api,
  readOnly,
  onCreated,
}: {
  api: NotifyApi;
  readOnly: boolean;
  onCreated: (channel: CreatedChannel) => void;
}) {
  const [draft, setDraft] = useState<ChannelDraft>(EMPTY_CHANNEL);
  const [problems, setProblems] = useState<DraftProblems>({});
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const change = (fields: Partial<ChannelDraft>) => {
    setDraft((current) => ({ ...current, ...fields }));
    setProblems({});
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = channelProblems(draft);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
      return;
    }
    setSaving(true);
    try {
      const created = await api.createChannel(channelBody(draft));
      setDraft({ ...EMPTY_CHANNEL, type: draft.type });
      onCreated(created);
      toast.success(`Channel ${created.name} added.`);
    } catch (error) {
      reportFailure("Could not add the channel", error);
    } finally {
      setSaving(false);
    }
  };
  const type = CHANNEL_TYPES.find((t) => t.type === draft.type);
  return (
    <form
      ref={form}
      noValidate
      aria-label="Add a channel"
      onSubmit={(event) => void submit(event)}
      className="grid gap-3 border-t pt-4 sm:grid-cols-[1fr_10rem_2fr_auto] sm:items-start"
    >
      <Field label="Name" problem={problems.name}>
        {({ id, describedBy }) => (
          <Input
            id={id}
            value={draft.name}
            maxLength={100}
            placeholder="On-call"
            disabled={readOnly}
            aria-invalid={problems.name ? true : undefined}
            aria-describedby={describedBy}
            onChange={(event) => change({ name: event.target.value })}
          />
        )}
      </Field>
      <Field label="Type">
        {({ id }) => (
          <select
            id={id}
            className={selectClass}
            value={draft.type}
            disabled={readOnly}
            onChange={(event) => change({ type: event.target.value as ChannelDraft["type"] })}
          >
            {CHANNEL_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.type === "email" ? (
        <Field label="Addresses" problem={problems.to} hint="Separated by commas">
          {({ id, describedBy }) => (
            <Input
              id={id}
              value={draft.to}
              placeholder="ops@example.org, lead@example.org"
              disabled={readOnly}
              aria-invalid={problems.to ? true : undefined}
              aria-describedby={describedBy}
              onChange={(event) => change({ to: event.target.value })}
            />
          )}
        </Field>
      ) : (
        <Field label="URL" problem={problems.url} hint={type?.hint}>
          {({ id, describedBy }) => (
            <Input
              id={id}
              type="url"
              value={draft.url}
              placeholder={
                draft.type === "slack"
                  ? "https://hooks.slack.com/services/…"
                  : "https://example.org/hooks/tracker"
              }
              disabled={readOnly}
              aria-invalid={problems.url ? true : undefined}
              aria-describedby={describedBy}
              onChange={(event) => change({ url: event.target.value })}
            />
          )}
        </Field>
      )}
      <Button type="submit" className="sm:mt-6" disabled={readOnly || saving}>
        {saving ? "Adding…" : "Add channel"}
      </Button>
    </form>
  );
}

function ChannelRow({
  channel,
  api,
  readOnly,
  onChanged,
  onTested,
}: {
  channel: Channel;
  api: NotifyApi;
  readOnly: boolean;
  onChanged: () => void;
  onTested: (delivery: Delivery) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [tested, setTested] = useState<Delivery | null>(null);
  const act = async (what: string, action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
      onChanged();
    } catch (error) {
      reportFailure(what, error);
    } finally {
      setBusy(false);
    }
  };
  // The test's delivery as the log has it, until it is sent, failed or retrying.
  const followTest = async (delivery: Delivery) => {
    for (let attempt = 0; attempt < TEST_FOLLOW_TRIES; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, TEST_FOLLOW_MS));
      const now = await api.delivery(channel.id, delivery.id).catch(() => undefined);
      if (!now) continue;
      setTested(now);
      if (now.status !== "pending") {
        onTested(now);
        return;
      }
    }
  };
  const last = channel.last_delivery;
  return (
    <li data-testid="channel" data-channel-id={channel.id} className="flex flex-col gap-2 py-3">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <div className="min-w-0 flex-1">
          <div className="flex items-center gap-2">
            <span className="truncate font-medium">{channel.name}</span>
            <Badge variant="outline">{TYPE_LABELS[channel.type]}</Badge>
            {!channel.enabled && <Badge variant="secondary">Disabled</Badge>}
          </div>
          <div className="text-muted-foreground truncate font-mono text-xs">{channel.target}</div>
        </div>
        <div className="text-muted-foreground flex items-center gap-2 text-xs">
          {last ? (
            <>
              <DeliveryStatusBadge status={last.status} />
              {last.response_code != null && <span>HTTP {last.response_code}</span>}
              <RelativeTime iso={last.at} />
            </>
          ) : (
            "Nothing sent yet"
          )}
        </div>
        <div className="flex items-center gap-2">
          <label className={cn("flex items-center gap-2 text-sm", readOnly && "opacity-50")}>
            <input
              type="checkbox"
              role="switch"
              className="accent-primary size-4"
              checked={channel.enabled}
              disabled={readOnly || busy}
              onChange={(event) =>
                void act("Could not change the channel", () =>
                  api.updateChannel(channel.id, { enabled: event.target.checked }),
                )
              }
            />
            Enabled
          </label>
          <Button
            variant="outline"
            size="sm"
            disabled={readOnly || busy || !channel.enabled}
            title={channel.enabled ? undefined : "Enable the channel to test it"}
            onClick={() =>
              void act("Could not send a test notification", async () => {
                const delivery = await api.testChannel(channel.id);
                setTested(delivery);
                onTested(delivery);
                void followTest(delivery);
              })
            }
          >
            <Send /> Send test notification
          </Button>
          {!confirming && (
            <Button
              variant="ghost"
              size="sm"
              aria-label={`Delete ${channel.name}`}
              disabled={readOnly || busy}
              onClick={() => setConfirming(true)}
            >
              <Trash2 />
            </Button>
          )}
        </div>
      </div>
      {confirming && (
        <div
          role="alertdialog"
          aria-label={`Delete ${channel.name}?`}
          className="flex flex-wrap items-center gap-2 rounded-lg border border-red-500/30 bg-red-500/5 px-3 py-2 text-sm"
        >
          <span className="flex-1">
            Delete <span className="font-medium">{channel.name}</span>? Rules stop sending to it;
            its deliveries stay in the log.
          </span>
          <Button
            variant="destructive"
            size="sm"
            autoFocus
            disabled={busy}
            onClick={() =>
              void act("Could not delete the channel", () => api.deleteChannel(channel.id))
            }
          >
            Delete
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        </div>
      )}
      {tested && (
        <div
          role="status"
          data-testid="test-delivery"
          className="bg-muted/40 flex flex-wrap items-center gap-2 rounded-lg px-3 py-2 text-xs"
        >
          <span className="font-medium">Test notification</span>
          <DeliveryStatusBadge status={tested.status} />
          {tested.response_code != null && <span>HTTP {tested.response_code}</span>}
          <span className="text-muted-foreground truncate">{tested.error ?? tested.summary}</span>
        </div>
      )}
    </li>
  );
}

export function NotificationChannels({
  channels,
  api,
  readOnly,
  onChanged,
  onTested,
}: {
  channels: Channel[] | undefined;
  api: NotifyApi;
  readOnly: boolean;
  onChanged: () => void;
  onTested: (delivery: Delivery) => void;
}) {
  const [created, setCreated] = useState<CreatedChannel | null>(null);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Channels</CardTitle>
        <CardDescription>Where this project's notifications go.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {created?.secret && <SecretOnce channel={created} onDone={() => setCreated(null)} />}
        {channels === undefined ? null : channels.length === 0 ? (
          <p className="text-muted-foreground text-sm">
            No channels yet: add a webhook, a Slack channel or email addresses below.
          </p>
        ) : (
          <ul className="divide-y">
            {channels.map((channel) => (
              <ChannelRow
                key={channel.id}
                channel={channel}
                api={api}
                readOnly={readOnly}
                onChanged={onChanged}
                onTested={onTested}
              />
            ))}
          </ul>
        )}
        <AddChannelForm
          api={api}
          readOnly={readOnly}
          onCreated={(channel) => {
            setCreated(channel);
            onChanged();
          }}
        />
      </CardContent>
    </Card>
  );
}
