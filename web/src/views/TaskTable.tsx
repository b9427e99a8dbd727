import { memo } from "react";
import type { Task } from "@/api/types";
import { flashClass } from "@/components/flash";
import { RelativeTime } from "@/components/RelativeTime";
import { StatusBadge } from "@/components/StatusBadge";
import { TaskProgress } from "@/components/TaskProgress";
import { TaskUsage } from "@/components/TaskUsage";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { useNow } from "@/hooks/useNow";
import { useWindowList } from "@/hooks/useWindowList";
import { formatDuration, taskElapsedSeconds } from "@/lib/format";
import { cn } from "@/lib/utils";

export function taskPath(task: Pick<Task, "project" | "task_id">): string {
  return `/projects/${encodeURIComponent(task.project)}/tasks/${encodeURIComponent(task.task_id)}`;
}

/** What the list and the board both show. */
export interface TaskViewProps {
  tasks: Task[];
  /** How often each task changed live: a row flashes on each change. */
  touches: ReadonlyMap<string, number>;
  onOpen: (task: Task) => void;
}

/** Spacer rows keep the table as tall as all its rows while only those in view render. */
function Spacer({ height }: { height: number }) {
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true">
      <td colSpan={6} style={{ height, padding: 0 }} />
    </tr>
  );
}

/** One row; it renders again only when its task, its flash or the clock changes. */
const TaskRow = memo(function TaskRow({
  task,
  touched,
  index,
  measure,
  now,
  onOpen,
}: {
  task: Task;
  touched: number;
  index: number;
  measure: (element: Element | null) => void;
  now: number;
  onOpen: (task: Task) => void;
}) {
  return (
    <TableRow
      ref={measure}
      data-index={index}
      data-testid="task-row"
      data-task-id={task.task_id}
      data-status={task.status}
      className={cn("cursor-pointer", flashClass(touched))}
      onClick={() => onOpen(task)}
    >
      <TableCell className="max-w-[16rem] pl-4 sm:max-w-sm">
        <a
          href={taskPath(task)}
          onClick={(event) => event.preventDefault()}
          className="block truncate font-medium"
        >
          {task.title}
        </a>
        <div className="text-muted-foreground truncate font-mono text-xs">
          {task.error_message ?? task.message ?? task.task_id}
        </div>
      </TableCell>
      <TableCell>
        <StatusBadge status={task.status} />
      </TableCell>
      <TableCell>
        <TaskProgress task={task} />
      </TableCell>
      <TableCell className="text-muted-foreground hidden md:table-cell">{task.agent}</TableCell>
      <TableCell className="text-muted-foreground hidden sm:table-cell">
        <RelativeTime iso={task.started_at} />
      </TableCell>
      <TableCell className="pr-4 text-right tabular-nums">
        {formatDuration(taskElapsedSeconds(task, now))}
        <TaskUsage usage={task.usage} className="flex justify-end" />
      </TableCell>
    </TableRow>
  );
});

export function TaskTable({ tasks, touches, onOpen }: TaskViewProps) {
  const now = useNow();
  const list = useWindowList<HTMLTableSectionElement>(
    tasks.length,
    (index) => tasks[index].task_id,
    61,
  );
  return (
    <div className="bg-card overflow-hidden rounded-xl border">
      <Table>
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead className="pl-4">Task</TableHead>
            <TableHead>Status</TableHead>
            <TableHead className="w-44">Progress</TableHead>
            <TableHead className="hidden md:table-cell">Agent</TableHead>
            <TableHead className="hidden sm:table-cell">Started</TableHead>
            <TableHead className="pr-4 text-right">Duration</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody ref={list.listRef}>
          <Spacer height={list.before} />
          {list.items.map((item) => {
            const task = tasks[item.index];
            const touched = touches.get(task.task_id) ?? 0;
            return (
              <TaskRow
                key={task.task_id}
                task={task}
                touched={touched}
                index={item.index}
                measure={list.measure}
                now={now}
                onOpen={onOpen}
              />
            );
          })}
          <Spacer height={list.after} />
        </TableBody>
      </Table>
    </div>
  );
}

/** The list on a phone: one compact card per task instead of table columns. */
export function TaskCards({ tasks, touches, onOpen }: TaskViewProps) {
  const now = useNow();
  const list = useWindowList<HTMLUListElement>(tasks.length, (index) => tasks[index].task_id, 97);
  return (
    <ul
      ref={list.listRef}
      className="bg-card divide-y overflow-hidden rounded-xl border"
      style={{ paddingTop: list.before, paddingBottom: list.after }}
    >
      {list.items.map((item) => {
        const task = tasks[item.index];
        const touched = touches.get(task.task_id) ?? 0;
        return (
          <li
            key={task.task_id}
            ref={list.measure}
            data-index={item.index}
            className={flashClass(touched)}
          >
            <button
              type="button"
              data-testid="task-item"
              data-task-id={task.task_id}
              data-status={task.status}
              onClick={() => onOpen(task)}
              className="flex w-full flex-col gap-2 px-4 py-3 text-left"
            >
              <span className="flex items-start justify-between gap-3">
                <span className="min-w-0">
                  <span className="block truncate font-medium">{task.title}</span>
                  <span className="text-muted-foreground block truncate font-mono text-xs">
                    {task.error_message ?? task.message ?? task.task_id}
                  </span>
                </span>
                <StatusBadge status={task.status} />
              </span>
              <TaskProgress task={task} />
              <span className="text-muted-foreground flex justify-between text-xs">
                <span className="truncate">
                  {task.agent} · <RelativeTime iso={task.started_at} />
                </span>
                <span className="tabular-nums">
                  {formatDuration(taskElapsedSeconds(task, now))}
                </span>
              </span>
              <TaskUsage usage={task.usage} />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
