import { useEffect, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { apiSend } from "@/api/client";
import type { BudgetStatus, ProjectSettings } from "@/api/types";
import { useApiKey } from "@/auth/KeyContext";
import { BudgetBadge } from "@/components/BudgetBadge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { useApi } from "@/hooks/useApi";
import {
  budgetDraft,
  budgetHint,
  budgetProblems,
  settingsWithBudget,
  type BudgetDraft,
} from "@/lib/budget";
import { Field, reportFailure } from "./NotificationChannels";
import { selectClass } from "./TaskFilters";

/** A project's budget: what it may spend per day or month. Crossing 80 % and 100 % is
 * announced live and sent through the rule "Budget crossed". */
export function BudgetSettings({ project, readOnly }: { project: string; readOnly: boolean }) {
  const { apiKey } = useApiKey();
  const base = `/api/projects/${encodeURIComponent(project)}`;
  const settings = useApi<ProjectSettings>(`${base}/settings`);
  const status = useApi<BudgetStatus | null>(`${base}/budget`);
  const saved = JSON.stringify(budgetDraft(settings.data));
  const [draft, setDraft] = useState<BudgetDraft>(() => budgetDraft(settings.data));
  const [shown, setShown] = useState(false);
  const [saving, setSaving] = useState(false);
  // Loaded or saved settings replace the form.
  useEffect(() => setDraft(JSON.parse(saved) as BudgetDraft), [saved]);
  const problems = shown ? budgetProblems(draft) : {};
  const change = (fields: Partial<BudgetDraft>) => setDraft((now) => ({ ...now, ...fields }));

  const save = async (next: BudgetDraft | null) => {
    setShown(true);
    if (next && Object.keys(budgetProblems(next)).length > 0) return;
    setSaving(true);
    try {
      await apiSend(
        "PUT",
        `${base}/settings`,
        apiKey ?? "",
        settingsWithBudget(settings.data, next),
      );
      toast.success(next ? "Budget saved." : "Budget removed.");
      setShown(false);
      await Promise.all([settings.reload(), status.reload()]);
    } catch (error) {
      reportFailure(next ? "Could not save the budget" : "Could not remove the budget", error);
    } finally {
      setSaving(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(draft);
  };

  return (
    <Card data-testid="budget-settings">
      <CardHeader>
        <CardTitle>Budget</CardTitle>
        <CardDescription>
          What this project may spend per UTC day or month, from the cost its agents report in that
          currency. Reaching 80 % and 100 % is announced on the dashboard and through the rule
          “Budget crossed”.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {status.data && (
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <BudgetBadge status={status.data} />
            <span className="text-muted-foreground">{budgetHint(status.data)}</span>
          </div>
        )}
        <form noValidate onSubmit={submit} className="grid gap-3 sm:grid-cols-[auto_1fr_8rem_auto]">
          <fieldset disabled={readOnly || saving || !settings.data} className="contents">
            <Field label="Per">
              {({ id }) => (
                <select
                  id={id}
                  className={selectClass}
                  value={draft.period}
                  onChange={(event) => change({ period: event.target.value as "day" | "month" })}
                >
                  <option value="day">Day</option>
                  <option value="month">Month</option>
                </select>
              )}
            </Field>
            <Field label="Amount" problem={problems.amount}>
              {({ id, describedBy }) => (
                <Input
                  id={id}
                  inputMode="decimal"
                  value={draft.amount}
                  placeholder="500"
                  aria-invalid={problems.amount ? true : undefined}
                  aria-describedby={describedBy}
                  onChange={(event) => change({ amount: event.target.value })}
                />
              )}
            </Field>
            <Field label="Currency" problem={problems.currency}>
              {({ id, describedBy }) => (
                <Input
                  id={id}
                  value={draft.currency}
                  maxLength={3}
                  aria-invalid={problems.currency ? true : undefined}
                  aria-describedby={describedBy}
                  onChange={(event) => change({ currency: event.target.value })}
                />
              )}
            </Field>
            <div className="flex items-end gap-2">
              <Button type="submit">Save</Button>
              {settings.data?.budget && (
                <Button type="button" variant="outline" onClick={() => void save(null)}>
                  Remove
                </Button>
              )}
            </div>
          </fieldset>
        </form>
      </CardContent>
    </Card>
  );
}
