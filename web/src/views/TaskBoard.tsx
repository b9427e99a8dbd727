import { memo } from "react";
import type { Task, TaskStatus } from "@/api/types";
import { flashClass } from "@/components/flash";
import { RelativeTime } from "@/components/RelativeTime";
import { StatusBadge, StatusDot } from "@/components/StatusBadge";
import { TaskProgress } from "@/components/TaskProgress";
import { TaskUsage } from "@/components/TaskUsage";
import { useWindowList } from "@/hooks/useWindowList";
import { formatDuration, taskElapsedSeconds } from "@/lib/format";
import { cn } from "@/lib/utils";
import type { TaskViewProps } from "./TaskTable";

const COLUMNS: { title: string; statuses: TaskStatus[]; dot: TaskStatus }[] = [
  { title: "Queued", statuses: ["pending", "paused"], dot: "pending" },
  { title: "Running", statuses: ["running"], dot: "running" },
  { title: "Needs input", statuses: ["needs_input"], dot: "needs_input" },
  { title: "Completed", statuses: ["completed"], dot: "completed" },
  { title: "Failed & stale", statuses: ["failed", "stale"], dot: "failed" },
];

/** One card; it renders again only when its task, its place or its flash changes. */
const BoardCard = memo(function BoardCard({
  task,
  touched,
  index,
  offset,
  measure,
  showStatus,
  onOpen,
}: {
  task: Task;
  touched: number;
  index: number;
  offset: number;
  measure: (element: Element | null) => void;
  showStatus: boolean;
  onOpen: (task: Task) => void;
}) {
  return (
    <div
      ref={measure}
      data-index={index}
      className="absolute inset-x-0 top-0 pb-2"
      style={{ transform: `translateY(${offset}px)` }}
    >
      <button
        type="button"
        data-testid="task-card"
        data-task-id={task.task_id}
        data-status={task.status}
        onClick={() => onOpen(task)}
        className={cn(
          "bg-card hover:border-primary/40 flex w-full flex-col gap-2 rounded-lg border p-3 text-left shadow-xs transition-colors",
          flashClass(touched),
        )}
      >
        <div className="flex items-start justify-between gap-2">
          <span className="line-clamp-2 text-sm font-medium">{task.title}</span>
          {showStatus && <StatusBadge status={task.status} />}
        </div>
        <TaskProgress task={task} />
        <div className="text-muted-foreground flex items-center justify-between text-xs">
          <span className="truncate">{task.agent}</span>
          <span className="tabular-nums">
            {task.finished_at ? (
              // A finished task's time is fixed: the card need not follow the clock.
              formatDuration(taskElapsedSeconds(task))
            ) : (
              <RelativeTime iso={task.started_at} />
            )}
          </span>
        </div>
        <TaskUsage usage={task.usage} />
      </button>
    </div>
  );
});

/** One column's cards; only those in view render. */
function BoardColumn({
  column,
  tasks,
  touches,
  onOpen,
}: TaskViewProps & { column: (typeof COLUMNS)[number] }) {
  const list = useWindowList<HTMLDivElement>(tasks.length, (index) => tasks[index].task_id, 112);
  return (
    <section className="bg-muted/40 flex flex-col rounded-xl border p-2">
      <header className="flex items-center gap-2 px-2 pt-1 pb-3 text-sm font-medium">
        <StatusDot status={column.dot} className="size-2" />
        {column.title}
        <span className="text-muted-foreground ml-auto text-xs tabular-nums">{tasks.length}</span>
      </header>
      <div ref={list.listRef} className="relative" style={{ height: list.totalSize }}>
        {list.items.map((item) => {
          const task = tasks[item.index];
          const touched = touches.get(task.task_id) ?? 0;
          return (
            <BoardCard
              key={task.task_id}
              task={task}
              touched={touched}
              index={item.index}
              offset={list.offset(item)}
              measure={list.measure}
              showStatus={column.statuses.length > 1}
              onOpen={onOpen}
            />
          );
        })}
      </div>
      {tasks.length === 0 && (
        <div className="text-muted-foreground px-2 py-6 text-center text-xs">Nothing here</div>
      )}
    </section>
  );
}

export function TaskBoard({ tasks, touches, onOpen }: TaskViewProps) {
  return (
    <div className="-mx-4 overflow-x-auto px-4 pb-2 sm:mx-0 sm:px-0">
      <div className="grid min-w-[70rem] grid-cols-5 gap-4">
        {COLUMNS.map((column) => (
          <BoardColumn
            key={column.title}
            column={column}
            tasks={tasks.filter((task) => column.statuses.includes(task.status))}
            touches={touches}
            onOpen={onOpen}
          />
        ))}
      </div>
    </div>
  );
}
