import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { toast } from "sonner";
import type { Channel, NotifyApi, Rule } from "@/api/notify";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import {
  MAX_AFTER_MINUTES,
  RULE_KINDS,
  ruleBody,
  ruleDraft,
  ruleProblem,
  rulesByKind,
  type RuleDraft,
} from "@/lib/notifyForms";
import { reportFailure } from "./NotificationChannels";

function RuleForm({
  rule,
  channels,
  api,
  readOnly,
  onSaved,
}: {
  rule: Rule;
  channels: Channel[];
  api: NotifyApi;
  readOnly: boolean;
  onSaved: () => void;
}) {
  const id = useId();
  const about = RULE_KINDS.find((kind) => kind.kind === rule.kind);
  const [draft, setDraft] = useState<RuleDraft>(() => ruleDraft(rule));
  const [problem, setProblem] = useState<string>();
  const [saving, setSaving] = useState(false);
  const saved = JSON.stringify(ruleDraft(rule));
  // A reload that brings another saved rule replaces the draft.
  useEffect(() => setDraft(JSON.parse(saved) as RuleDraft), [saved]);
  const change = (fields: Partial<RuleDraft>) => {
    setDraft((current) => ({ ...current, ...fields }));
    setProblem(undefined);
  };
  const dirty = JSON.stringify(draft) !== saved;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = ruleProblem(rule.kind, draft);
    setProblem(found);
    if (found) return;
    setSaving(true);
    try {
      await api.putRule(rule.kind, ruleBody(rule.kind, draft, channels));
      toast.success(`${about?.label ?? rule.kind}: saved.`);
      onSaved();
    } catch (error) {
      reportFailure("Could not save the rule", error);
    } finally {
      setSaving(false);
    }
  };
  const toggleChannel = (channelId: string, on: boolean) =>
    change({
      channelIds: on
        ? [...draft.channelIds, channelId]
        : draft.channelIds.filter((chosen) => chosen !== channelId),
    });
  return (
    <form
      noValidate
      data-testid="rule"
      data-kind={rule.kind}
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => void submit(event)}
      className="flex flex-col gap-3 py-4"
    >
      <fieldset disabled={readOnly || saving} className="flex flex-col gap-3">
        <div className="flex items-start gap-3">
          <input
            id={`${id}-enabled`}
            type="checkbox"
            role="switch"
            className="accent-primary mt-1 size-4"
            checked={draft.enabled}
            onChange={(event) => change({ enabled: event.target.checked })}
          />
          <div className="flex-1">
            <label id={`${id}-title`} htmlFor={`${id}-enabled`} className="font-medium">
              {about?.label ?? rule.kind}
            </label>
            <p className="text-muted-foreground text-sm">{about?.description}</p>
          </div>
        </div>
        {rule.kind === "needs_input" && (
          <div className="flex flex-wrap items-center gap-2 pl-7 text-sm">
            <label htmlFor={`${id}-minutes`}>Tell after</label>
            <Input
              id={`${id}-minutes`}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_AFTER_MINUTES}
              step={1}
              className="w-24"
              value={draft.afterMinutes}
              aria-invalid={problem?.includes("minutes") ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : undefined}
              onChange={(event) => change({ afterMinutes: event.target.value })}
            />
            <span>minutes of waiting</span>
          </div>
        )}
        <fieldset className="flex flex-col gap-2 pl-7 text-sm">
          <legend className="sr-only">Channels for {about?.label ?? rule.kind}</legend>
          <div className="flex flex-wrap gap-4">
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name={`${id}-to`}
                className="accent-primary"
                checked={draft.everyChannel}
                onChange={() => change({ everyChannel: true })}
              />
              Every enabled channel
            </label>
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name={`${id}-to`}
                className="accent-primary"
                checked={!draft.everyChannel}
                disabled={channels.length === 0}
                onChange={() => change({ everyChannel: false })}
              />
              Only these
            </label>
          </div>
          {!draft.everyChannel && (
            <div className="flex flex-wrap gap-x-4 gap-y-1">
              {channels.map((channel) => (
                <label key={channel.id} className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    className="accent-primary"
                    checked={draft.channelIds.includes(channel.id)}
                    onChange={(event) => toggleChannel(channel.id, event.target.checked)}
                  />
                  {channel.name}
                </label>
              ))}
            </div>
          )}
        </fieldset>
      </fieldset>
      {problem && (
        <p
          id={`${id}-problem`}
          role="alert"
          className="pl-7 text-xs text-red-600 dark:text-red-400"
        >
          {problem}
        </p>
      )}
      {dirty && !readOnly && (
        <div className="flex gap-2 pl-7">
          <Button type="submit" size="sm" disabled={saving}>
            {saving ? "Saving…" : "Save"}
          </Button>
          <Button
            type="button"
            variant="ghost"
            size="sm"
            onClick={() => change(JSON.parse(saved) as RuleDraft)}
          >
            Undo
          </Button>
        </div>
      )}
    </form>
  );
}

export function NotificationRules({
  rules,
  channels,
  api,
  readOnly,
  onSaved,
}: {
  rules: Rule[] | undefined;
  channels: Channel[];
  api: NotifyApi;
  readOnly: boolean;
  onSaved: () => void;
}) {
  // Kinds the service has not saved yet get their defaults, the same objects on every render.
  const shown = useMemo(() => (rules === undefined ? undefined : rulesByKind(rules)), [rules]);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Rules</CardTitle>
        <CardDescription>
          When to notify; each incident is sent at most once, and bursts are folded into a digest.
        </CardDescription>
      </CardHeader>
      <CardContent className="divide-y">
        {shown?.map((rule) => (
          <RuleForm
            key={rule.kind}
            rule={rule}
            channels={channels}
            api={api}
            readOnly={readOnly}
            onSaved={onSaved}
          />
        ))}
      </CardContent>
    </Card>
  );
}
