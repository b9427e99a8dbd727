import type { TaskStatus } from "@/api/types";
import { RelativeTime } from "@/components/RelativeTime";
import { StatusBadge, StatusDot } from "@/components/StatusBadge";
import { TaskProgress } from "@/components/TaskProgress";
import { TaskUsage } from "@/components/TaskUsage";
import { useNow } from "@/hooks/useNow";
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

/** One column's cards; only those in view render. */
function BoardColumn({
  column,
  tasks,
  touches,
  onOpen,
  now,
}: TaskViewProps & { column: (typeof COLUMNS)[number]; now: number }) {
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
            <div
              key={`${task.task_id}:${touched}`}
              ref={list.measure}
              data-index={item.index}
              className="absolute inset-x-0 top-0 pb-2"
              style={{ transform: `translateY(${list.offset(item)}px)` }}
            >
              <button
                type="button"
                data-testid="task-card"
                data-task-id={task.task_id}
                data-status={task.status}
                onClick={() => onOpen(task)}
                className={cn(
                  "bg-card hover:border-primary/40 flex w-full flex-col gap-2 rounded-lg border p-3 text-left shadow-xs transition-colors",
                  touched > 0 && "animate-flash",
                )}
              >
                <div className="flex items-start justify-between gap-2">
                  <span className="line-clamp-2 text-sm font-medium">{task.title}</span>
                  {column.statuses.length > 1 && <StatusBadge status={task.status} />}
                </div>
                <TaskProgress task={task} />
                <div className="text-muted-foreground flex items-center justify-between text-xs">
                  <span className="truncate">{task.agent}</span>
                  <span className="tabular-nums">
                    {task.finished_at ? (
                      formatDuration(taskElapsedSeconds(task, now))
                    ) : (
                      <RelativeTime iso={task.started_at} />
                    )}
                  </span>
                </div>
                <TaskUsage usage={task.usage} />
              </button>
            </div>
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
  const now = useNow();
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
            now={now}
          />
        ))}
      </div>
    </div>
  );
}
