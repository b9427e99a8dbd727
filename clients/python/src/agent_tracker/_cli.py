"""The `agent-tracker` command.

Exit codes: 0 when the event was delivered or kept in the spool (the tracker being away is not
the agent's problem), 1 when the tracker refused it, 2 for a usage error; `run` exits with
the command's own code.
"""

import argparse
import json
import logging
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._claude_code import DEFAULT_HOOK_COMMAND, SETTINGS_PATH, SettingsError, write_settings
from ._config import ConfigError, TrackerConfig
from ._events import (
    ERROR_TYPE_MAX,
    LONG_TEXT_MAX,
    MESSAGE_MAX,
    STATUSES,
    clip_head,
    clip_tail,
    fits_metadata,
    new_task_id,
    usage,
)
from ._ordering import Fate, Receipt
from ._recent_tasks import RecentTasks
from ._run import run_command
from ._tasks import TaskIdentity
from ._tracker import Tracker

DEFAULT_HEARTBEAT_SECONDS = 30.0


class UsageError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="agent-tracker: %(message)s")
    try:
        if args.without_tracker:  # `setup` writes files; it sends nothing
            return int(args.command(args))
        tracker = Tracker(tracker_config(args))
        return int(args.command(tracker, args))
    except (ConfigError, UsageError, SettingsError) as error:
        parser.exit(2, f"agent-tracker {args.command_name}: error: {error}\n")


def tracker_config(args: argparse.Namespace) -> TrackerConfig:
    return TrackerConfig.from_env(
        url=args.url,
        api_key=args.api_key,
        project=args.project,
        agent=args.agent,
        timeout=args.timeout,
    )


def start(tracker: Tracker, args: argparse.Namespace) -> int:
    title = args.task or os.environ.get("AGENT_TRACKER_TASK")
    if not title:
        raise UsageError("no task title: pass --task or set AGENT_TRACKER_TASK")
    task_id = args.task_id or os.environ.get("AGENT_TRACKER_TASK_ID") or new_task_id()
    project = tracker.config.require_project()
    RecentTasks(tracker.config.tasks_path).remember(project, task_id, title)
    receipt = tracker.report("start", task=title, task_id=task_id, metadata=args.metadata)
    print(task_id)
    return exit_code(receipt)


def status(tracker: Tracker, args: argparse.Namespace) -> int:
    task_id, title, _ = known_task(tracker, args)
    message = None if args.message is None else clip_head(args.message, MESSAGE_MAX)
    receipt = tracker.report(
        "status",
        task=title,
        task_id=task_id,
        status=args.status,
        progress=args.progress,
        message=message,
        usage=usage_of(args),
    )
    return exit_code(receipt)


def finish(tracker: Tracker, args: argparse.Namespace) -> int:
    task_id, title, started_at = known_task(tracker, args)
    duration = args.duration
    if duration is None and started_at is not None:
        duration = round(max(0.0, time.time() - started_at), 3)
    receipt = tracker.report(
        "finish",
        task=title,
        task_id=task_id,
        result=None if args.result is None else clip_head(args.result, LONG_TEXT_MAX),
        duration_seconds=duration,
        metadata=args.metadata,
        usage=usage_of(args),
    )
    return exit_code(receipt)


def error(tracker: Tracker, args: argparse.Namespace) -> int:
    task_id, title, _ = known_task(tracker, args)
    trace = args.stack_trace
    if args.stack_trace_file is not None:
        trace = args.stack_trace_file.read()
    receipt = tracker.report(
        "error",
        task=title,
        task_id=task_id,
        error_type=clip_head(args.type, ERROR_TYPE_MAX),
        error_message=clip_head(args.message, MESSAGE_MAX),
        stack_trace=clip_tail(trace, LONG_TEXT_MAX) if trace else None,
        metadata=args.metadata,
        usage=usage_of(args),
    )
    return exit_code(receipt)


def run(tracker: Tracker, args: argparse.Namespace) -> int:
    command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not command:
        raise UsageError("no command: agent-tracker run [options] -- <command> [args…]")
    title = args.task or os.environ.get("AGENT_TRACKER_TASK") or shlex.join(command)
    task_id = args.task_id or os.environ.get("AGENT_TRACKER_TASK_ID") or new_task_id()
    project = tracker.config.require_project()
    identity = TaskIdentity(tracker, title, task_id, project, None)
    print(f"agent-tracker: task {task_id} in project {project}", file=sys.stderr)
    return run_command(tracker, command, identity, args.heartbeat, args.metadata)


def setup_claude_code(args: argparse.Namespace) -> int:
    config = tracker_config(args)
    if not config.api_key:
        raise UsageError("no API key: set AGENT_TRACKER_API_KEY (or pass --api-key)")
    write_settings(
        args.settings,
        url=config.url,
        api_key=config.api_key,
        project=config.require_project(),
        agent=args.agent,
        hook_command=args.hook_command,
    )
    print(
        f"agent-tracker: Claude Code in this folder now reports to {config.url} as project "
        f"{config.project} ({args.settings}: telemetry variables and hooks; it holds the key, "
        "keep it out of git)",
        file=sys.stderr,
    )
    return 0


def usage_of(args: argparse.Namespace) -> dict[str, Any] | None:
    return usage(
        model=args.model,
        input_tokens=args.input_tokens,
        output_tokens=args.output_tokens,
        cache_read_tokens=args.cache_read_tokens,
        cache_write_tokens=args.cache_write_tokens,
        cost=args.cost,
        currency=args.currency,
    )


def flush(tracker: Tracker, args: argparse.Namespace) -> int:
    report = tracker.flush()
    print(f"delivered {report.delivered}, refused {len(report.refused)}, waiting {report.waiting}")
    if report.waiting:
        print(f"agent-tracker: still waiting: {report.detail}", file=sys.stderr)
    return 0


def known_task(tracker: Tracker, args: argparse.Namespace) -> tuple[str, str, float | None]:
    """Task id, title and start time, filling in what `start` remembered on this machine."""
    task_id = args.task_id or os.environ.get("AGENT_TRACKER_TASK_ID")
    if not task_id:
        raise UsageError("no task id: pass --task-id or set AGENT_TRACKER_TASK_ID")
    project = tracker.config.require_project()
    remembered = RecentTasks(tracker.config.tasks_path).recall(project, task_id)
    title = (
        args.task
        or os.environ.get("AGENT_TRACKER_TASK")
        or (remembered.title if remembered else task_id)
    )
    return task_id, title, remembered.started_at if remembered else None


def exit_code(receipt: Receipt) -> int:
    return 1 if receipt.fate is Fate.REFUSED else 0


def metadata_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(f"not JSON: {problem}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    if not fits_metadata(value):
        raise argparse.ArgumentTypeError("must be at most 16 KiB of JSON")
    return value


def percent(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 100:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 100, not {text!r}")
    return int(text)


def tokens(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of tokens, not {text!r}")
    return int(text)


def amount(text: str) -> float:
    return _non_negative(text, "a non-negative amount")


def currency(text: str) -> str:
    if len(text) != 3 or not text.isalpha() or not text.isupper():
        raise argparse.ArgumentTypeError(f"must be an ISO 4217 code such as USD, not {text!r}")
    return text


def seconds(text: str) -> float:
    return _non_negative(text, "a number of seconds")


def _non_negative(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent-tracker",
        description="Report an agent's tasks to Agent Task Tracker. Settings not given as "
        "flags come from AGENT_TRACKER_URL, AGENT_TRACKER_API_KEY, AGENT_TRACKER_PROJECT, "
        "AGENT_TRACKER_AGENT, AGENT_TRACKER_TIMEOUT and AGENT_TRACKER_STATE_DIR. While the "
        "tracker is unreachable, events wait in a local spool and go out, in order, with the "
        "next call or `agent-tracker flush`.",
    )
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("tracker")
    where.add_argument("--url", help="tracker URL (AGENT_TRACKER_URL, http://localhost:8000)")
    where.add_argument("--api-key", help="API key (AGENT_TRACKER_API_KEY; prefer the variable)")
    where.add_argument("--project", help="project name (AGENT_TRACKER_PROJECT)")
    where.add_argument("--agent", help="agent name (AGENT_TRACKER_AGENT, default user@host)")
    where.add_argument("--timeout", type=seconds, help="seconds per attempt (default 2)")
    task = argparse.ArgumentParser(add_help=False)
    task.add_argument("--task-id", help="task id (AGENT_TRACKER_TASK_ID)")
    task.add_argument("--task", help="task title (AGENT_TRACKER_TASK; remembered from start)")
    spent = argparse.ArgumentParser(add_help=False)
    step = spent.add_argument_group("usage of this step (added to the task's totals)")
    step.add_argument("--model", help="the model the step used")
    step.add_argument("--input-tokens", type=tokens)
    step.add_argument("--output-tokens", type=tokens)
    step.add_argument("--cache-read-tokens", type=tokens)
    step.add_argument("--cache-write-tokens", type=tokens)
    step.add_argument("--cost", type=amount, help="what the step cost, in --currency")
    step.add_argument("--currency", type=currency, help="ISO 4217 code (default USD)")
    parser.set_defaults(without_tracker=False)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Any, help_text: str, *extra: argparse.ArgumentParser
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common, task, *extra], help=help_text)
        sub.set_defaults(command=handler, command_name=name)
        return sub

    sub = command("start", start, "report a started task; prints its task id")
    sub.add_argument("--metadata", type=metadata_object, help="JSON object")

    sub = command("status", status, "report progress of a task", spent)
    sub.add_argument("--status", choices=STATUSES, default="running")
    sub.add_argument("--progress", type=percent, help="percent done, 0-100")
    sub.add_argument("--message")

    sub = command("finish", finish, "report a completed task", spent)
    sub.add_argument("--result")
    sub.add_argument("--duration", type=seconds, help="seconds (default: since start)")
    sub.add_argument("--metadata", type=metadata_object, help="JSON object")

    sub = command("error", error, "report a failed task", spent)
    sub.add_argument("--type", default="Error", help="error type (default Error)")
    sub.add_argument("--message", required=True, help="error message")
    trace = sub.add_mutually_exclusive_group()
    trace.add_argument("--stack-trace")
    trace.add_argument(
        "--stack-trace-file", type=argparse.FileType("r"), help="read it from a file, - for stdin"
    )
    sub.add_argument("--metadata", type=metadata_object, help="JSON object")

    sub = command("run", run, "run a command and report it as a task")
    sub.add_argument(
        "--heartbeat",
        type=seconds,
        default=DEFAULT_HEARTBEAT_SECONDS,
        help="seconds between running statuses (0: none; default 30)",
    )
    sub.add_argument("--metadata", type=metadata_object, help="JSON object")
    sub.add_argument("cmd", nargs=argparse.REMAINDER, help="-- command [args…]")

    sub = commands.add_parser("flush", parents=[common], help="deliver the spooled events now")
    sub.set_defaults(command=flush, command_name="flush")

    setup = commands.add_parser("setup", help="configure an agent to report by itself")
    targets = setup.add_subparsers(title="agents", required=True, metavar="AGENT")
    sub = targets.add_parser(
        "claude-code",
        parents=[common],
        help="Claude Code in this folder: telemetry (usage, cost) and hooks (live state)",
        description="Merge into .claude/settings.local.json (Claude Code keeps it out of git; "
        "it holds the API key) the variables that send Claude Code's OpenTelemetry logs and "
        "metrics to the tracker, and the hook recipe on each event it reports. Other settings "
        "are kept; running it again updates ours.",
    )
    sub.add_argument(
        "--settings", type=Path, default=SETTINGS_PATH, help=f"default {SETTINGS_PATH}"
    )
    sub.add_argument(
        "--hook-command",
        default=DEFAULT_HOOK_COMMAND,
        help="how Claude Code runs the hook recipe (default: %(default)s)",
    )
    sub.set_defaults(
        command=setup_claude_code, command_name="setup claude-code", without_tracker=True
    )
    return parser
