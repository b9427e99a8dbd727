#!/usr/bin/env python3
"""Claude Code hook: reports each Claude Code session as a task, through the agent-tracker CLI.

Claude Code passes the hook's JSON on stdin (`session_id`, `hook_event_name`, `cwd`, …). The
session id is the task id; the project is AGENT_TRACKER_PROJECT, else the name of the folder
Claude Code works in; the agent is AGENT_TRACKER_AGENT, else "claude-code".

    SessionStart      start
    UserPromptSubmit  status running      "prompt: …" (after a wait: the person answered)
    PostToolUse       status running      "<tool>: <command, file or pattern>"
    Notification      status needs_input  the notification: a permission prompt, or the idle
                                          prompt that follows Stop after about 60 s
    Stop              status paused       "finished its turn, waiting for the next prompt"
    SubagentStop      status running      "a subagent finished"
    PreCompact        status running      "compacting the conversation"
    SessionEnd        finish              "session ended: <reason>"

A task needing input is in the tracker's inbox until its next event (a tool use after a
permission was granted, or the next prompt).

Other events are ignored. The hook always exits 0 and prints nothing on stdout (Claude Code
would add it to the conversation): reporting never gets in Claude's way. AGENT_TRACKER_CLI
names the CLI when `agent-tracker` is not on PATH.
"""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

SUMMARY_FIELDS = ("command", "file_path", "pattern", "url", "query", "description", "prompt")


def tool_summary(event: dict[str, Any]) -> str:
    tool = str(event.get("tool_name") or "tool")
    tool_input = event.get("tool_input")
    if isinstance(tool_input, dict):
        for field in SUMMARY_FIELDS:
            if tool_input.get(field):
                return f"{tool}: {str(tool_input[field])[:300]}"
    return tool


def cli_arguments(event: dict[str, Any]) -> list[str] | None:
    """The agent-tracker command line for one hook event, or None to report nothing."""
    name = event.get("hook_event_name")
    if name == "SessionStart":
        metadata = {"cwd": event.get("cwd"), "source": event.get("source")}
        return ["start", "--metadata", json.dumps(metadata)]
    if name == "SessionEnd":
        return ["finish", "--result", f"session ended: {event.get('reason') or 'other'}"]
    statuses = {
        "UserPromptSubmit": ("running", f"prompt: {str(event.get('prompt', ''))[:500]}"),
        "PostToolUse": ("running", tool_summary(event)),
        "Notification": ("needs_input", str(event.get("message") or "waiting for the user")),
        "Stop": ("paused", "finished its turn, waiting for the next prompt"),
        "SubagentStop": ("running", "a subagent finished"),
        "PreCompact": ("running", "compacting the conversation"),
    }
    if name not in statuses:
        return None
    status, message = statuses[str(name)]
    return ["status", "--status", status, "--message", message]


def main() -> int:
    try:
        event = json.load(sys.stdin)
    except ValueError as error:
        print(f"agent-tracker hook: no hook JSON on stdin: {error}", file=sys.stderr)
        return 0
    arguments = cli_arguments(event)
    session = event.get("session_id")
    if arguments is None or not session:
        return 0
    folder = Path(str(event.get("cwd") or os.getcwd())).name or "claude-code"
    identity = [
        "--task-id",
        str(session),
        "--task",
        f"Claude Code session in {folder}",
        "--project",
        os.environ.get("AGENT_TRACKER_PROJECT") or folder,
        "--agent",
        os.environ.get("AGENT_TRACKER_AGENT") or "claude-code",
    ]
    cli = shlex.split(os.environ.get("AGENT_TRACKER_CLI", "agent-tracker"))
    try:
        subprocess.run(
            [*cli, *arguments[:1], *identity, *arguments[1:]],
            stdout=subprocess.DEVNULL,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"agent-tracker hook: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
