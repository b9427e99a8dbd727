/**
 * The REST API's answers under the names the dashboard uses. Every shape comes from the services'
 * OpenAPI document, generated into `schema.d.ts` by `make api-types`: none is written by hand.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type TaskStatus = Schemas["TaskStatus"];
export type EventKind = Schemas["EventKind"];
export type Bucket = Schemas["BucketUnit"];

export type Project = Schemas["ProjectOut"];
export type Task = Schemas["TaskOut"];
export type TaskEvent = Schemas["EventOut"];
/** What one event's step used (a delta), as its webhook sent it. */
export type Usage = Schemas["Usage"];
/** The sum of a task's events' usage; cost per currency. */
export type UsageTotals = Schemas["UsageTotalsOut"];
/** `GET /api/stats/usage?by=…`: one project, agent, model or day. */
export type UsageShare = Schemas["UsageShareOut"];
export type UsageSeries = Schemas["UsageSeriesOut"];
/** `GET /api/stats/usage/tasks`: one of the most expensive tasks. */
export type CostlyTask = Schemas["CostlyTaskOut"];
export type TaskDetail = Schemas["TaskDetailOut"];
export type Agent = Schemas["AgentOut"];
export type Stats = Schemas["StatsOut"];
export type ProjectStats = Schemas["ProjectStatsOut"];
/** `GET /api/stats/projects/summary`: one project card; the total is in `X-Total-Count`. */
export type ProjectSummary = Schemas["ProjectSummaryOut"];
export type Outcomes = Schemas["OutcomesOut"];
export type ErrorType = Schemas["ErrorTypeOut"];
export type TimeSeries = Schemas["TimeSeriesOut"];
/** `GET /api/inbox`: the tasks needing a person, oldest first, with counts per reason. */
export type Inbox = Schemas["InboxOut"];
export type InboxTask = Schemas["InboxTaskOut"];
export type InboxReason = Schemas["InboxReason"];
/** `GET /api/projects/{project}/budget`: the budget this period and what is spent of it. */
export type BudgetStatus = Schemas["BudgetStatusOut"];
/** `GET /api/projects/{project}/settings`, and the body that changes them. */
export type ProjectSettings = Schemas["ProjectSettingsOut"];
export type ProjectSettingsChange = Schemas["ProjectSettingsIn"];
export type StatsPage = Schemas["StatsPageOut"];
export type UsagePage = Schemas["UsagePageOut"];
/** `GET /api/dead-letters/summary` (admin keys only). */
export type DeadLetterSummary = Schemas["DeadLetterSummaryOut"];

/** Every status once, in the order the filters show them: one the API adds or drops fails here. */
const LISTED: Record<TaskStatus, true> = {
  pending: true,
  running: true,
  paused: true,
  needs_input: true,
  completed: true,
  failed: true,
  stale: true,
};
export const TASK_STATUSES = Object.keys(LISTED) as readonly TaskStatus[];
export const ACTIVE_STATUSES: readonly TaskStatus[] = [
  "pending",
  "running",
  "paused",
  "needs_input",
];
