import { LayoutGrid, List, X } from "lucide-react";
import { TASK_STATUSES, type TaskStatus } from "@/api/types";
import { SearchInput } from "@/components/SearchInput";
import { STATUS_LABELS, StatusDot } from "@/components/StatusBadge";
import { Button } from "@/components/ui/button";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import type { TaskSort } from "@/live/taskList";
import { cn } from "@/lib/utils";

export type Layout = "list" | "board";

const SORTS: { value: TaskSort; label: string }[] = [
  { value: "started", label: "Newest first" },
  { value: "updated", label: "Recently updated" },
  { value: "duration", label: "Longest first" },
];

/** A native `<select>` in the look of the inputs. */
export const selectClass =
  "border-input dark:bg-input/30 bg-background h-9 rounded-md border px-2.5 text-sm shadow-xs outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:cursor-not-allowed disabled:opacity-50";

export interface FilterValues {
  search: string;
  statuses: TaskStatus[];
  agent: string;
  sort: TaskSort;
  layout: Layout;
}

export function TaskFilters({
  values,
  agents,
  onChange,
}: {
  values: FilterValues;
  agents: string[];
  onChange: (values: FilterValues) => void;
}) {
  const toggle = (status: TaskStatus) =>
    onChange({
      ...values,
      statuses: values.statuses.includes(status)
        ? values.statuses.filter((s) => s !== status)
        : [...values.statuses, status],
    });
  const filtered = values.search || values.statuses.length > 0 || values.agent;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <SearchInput
          label="Search task titles"
          placeholder="Search task titles…"
          className="flex-1"
          value={values.search}
          onChange={(event) => onChange({ ...values, search: event.target.value })}
        />
        <div className="flex gap-2">
          <select
            aria-label="Agent"
            className={cn(selectClass, "min-w-0 flex-1 sm:w-44 sm:flex-none")}
            value={values.agent}
            onChange={(event) => onChange({ ...values, agent: event.target.value })}
          >
            <option value="">All agents</option>
            {agents.map((agent) => (
              <option key={agent} value={agent}>
                {agent}
              </option>
            ))}
          </select>
          <select
            aria-label="Sort"
            className={cn(selectClass, "min-w-0 flex-1 sm:w-44 sm:flex-none")}
            value={values.sort}
            onChange={(event) => onChange({ ...values, sort: event.target.value as TaskSort })}
          >
            {SORTS.map((sort) => (
              <option key={sort.value} value={sort.value}>
                {sort.label}
              </option>
            ))}
          </select>
          <Tabs
            value={values.layout}
            onValueChange={(layout) => onChange({ ...values, layout: layout as Layout })}
          >
            <TabsList>
              <TabsTrigger value="list" aria-label="List">
                <List />
              </TabsTrigger>
              <TabsTrigger value="board" aria-label="Board">
                <LayoutGrid />
              </TabsTrigger>
            </TabsList>
          </Tabs>
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-1.5" role="group" aria-label="Status">
        {TASK_STATUSES.map((status) => {
          const on = values.statuses.includes(status);
          return (
            <button
              key={status}
              type="button"
              aria-pressed={on}
              onClick={() => toggle(status)}
              className={cn(
                "inline-flex h-7 items-center gap-1.5 rounded-full border px-3 text-xs font-medium transition-colors",
                on
                  ? "border-primary/50 bg-primary/10 text-foreground"
                  : "text-muted-foreground hover:bg-muted",
              )}
            >
              <StatusDot status={status} />
              {STATUS_LABELS[status]}
            </button>
          );
        })}
        {filtered && (
          <Button
            variant="ghost"
            size="sm"
            className="h-7 text-xs"
            onClick={() => onChange({ ...values, search: "", statuses: [], agent: "" })}
          >
            <X /> Clear filters
          </Button>
        )}
      </div>
    </div>
  );
}
