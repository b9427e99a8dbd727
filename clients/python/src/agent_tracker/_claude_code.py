"""`agent-tracker setup claude-code`: point Claude Code at the tracker, in one file.

Two things are written into `.claude/settings.local.json` (Claude Code's per-checkout settings,
which it keeps out of git: the file holds the API key):
- `env`: Claude Code's OpenTelemetry exporter sends its log events and metrics (tokens, cost,
  tools) to the tracker's OTLP endpoint, and the hook recipe's `AGENT_TRACKER_*` settings;
- `hooks`: the hook recipe (scripts/claude-code/agent-tracker-hook.py) on each event it reports,
  for the session's live state (started, running, paused, finished).

The file is merged, never replaced: other variables and hooks stay as they are; ours are set
again on each run (a hook is ours when its command runs `agent-tracker-hook.py`), so running
the command twice changes nothing. Two comma-separated variables are merged entry by entry:
`OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` keep their other entries.
"""

import json
from pathlib import Path
from typing import Any

from ._locking import write_atomically

SETTINGS_PATH = Path(".claude") / "settings.local.json"
HOOK_SCRIPT = "agent-tracker-hook.py"
DEFAULT_HOOK_COMMAND = f'python3 "$CLAUDE_PROJECT_DIR"/scripts/claude-code/{HOOK_SCRIPT}'
HOOK_TIMEOUT_SECONDS = 15
HOOK_EVENTS = (
    "SessionStart",
    "UserPromptSubmit",
    "PostToolUse",
    "Notification",
    "Stop",
    "SubagentStop",
    "PreCompact",
    "SessionEnd",
)
"""The events scripts/claude-code/settings.json hooks, in its order."""
_MATCHERS = {"PostToolUse": "*"}


class SettingsError(Exception):
    """The settings file cannot be merged (not JSON, or not shaped as Claude Code's)."""


def telemetry_env(url: str, api_key: str, project: str, agent: str | None) -> dict[str, str]:
    """The variables that send Claude Code's telemetry to the tracker, and the hook's settings."""
    env = {
        "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": url.rstrip("/"),
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
        "AGENT_TRACKER_URL": url.rstrip("/"),
        "AGENT_TRACKER_API_KEY": api_key,
        "AGENT_TRACKER_PROJECT": project,
    }
    if agent:
        env["AGENT_TRACKER_AGENT"] = agent
    return env


def merged(
    settings: dict[str, Any],
    *,
    url: str,
    api_key: str,
    project: str,
    agent: str | None = None,
    hook_command: str = DEFAULT_HOOK_COMMAND,
) -> dict[str, Any]:
    """`settings` with our variables and hooks set, everything else kept."""
    if not isinstance(settings, dict):
        raise SettingsError("the settings are not a JSON object")
    result = dict(settings)
    env = result.get("env", {})
    if not isinstance(env, dict):
        raise SettingsError('"env" is not a JSON object')
    env = {**env, **telemetry_env(url, api_key, project, agent)}
    resource = {"agent_tracker.project": project}
    if agent:
        resource["agent_tracker.agent"] = agent
    env["OTEL_RESOURCE_ATTRIBUTES"] = _merged_pairs(env.get("OTEL_RESOURCE_ATTRIBUTES"), resource)
    env["OTEL_EXPORTER_OTLP_HEADERS"] = _merged_pairs(
        env.get("OTEL_EXPORTER_OTLP_HEADERS"), {"x-api-key": api_key}
    )
    result["env"] = env
    hooks = result.get("hooks", {})
    if not isinstance(hooks, dict):
        raise SettingsError('"hooks" is not a JSON object')
    result["hooks"] = {**hooks}
    for event in HOOK_EVENTS:
        result["hooks"][event] = _with_our_hook(hooks.get(event, []), event, hook_command)
    return result


def _merged_pairs(current: Any, ours: dict[str, str]) -> str:
    """`key=value,…` with our keys set (in place when present) and the others kept."""
    pairs: dict[str, str] = {}
    if isinstance(current, str):
        for entry in current.split(","):
            key, separator, value = entry.partition("=")
            if separator and key.strip():
                pairs[key.strip()] = value.strip()
    pairs.update(ours)
    return ",".join(f"{key}={value}" for key, value in pairs.items())


def _with_our_hook(groups: Any, event: str, command: str) -> list[Any]:
    if not isinstance(groups, list):
        raise SettingsError(f'"hooks.{event}" is not a JSON array')
    ours = {"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECONDS}
    result: list[Any] = []
    found = False
    for group in groups:
        entries = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(entries, list):
            result.append(group)
            continue
        kept = []
        for entry in entries:
            if _is_ours(entry):
                if not found:
                    kept.append(ours)
                found = True
            else:
                kept.append(entry)
        if kept:
            result.append({**group, "hooks": kept})
    if not found:
        group = {"hooks": [ours]}
        if event in _MATCHERS:
            group = {"matcher": _MATCHERS[event], **group}
        result.append(group)
    return result


def _is_ours(entry: Any) -> bool:
    return isinstance(entry, dict) and HOOK_SCRIPT in str(entry.get("command", ""))


def write_settings(path: Path, **settings: Any) -> None:
    """Merge our settings into the file at `path` (created when missing), atomically and
    readable by its owner only."""
    existing: dict[str, Any] = {}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text.strip():
            try:
                existing = json.loads(text)
            except ValueError as problem:
                raise SettingsError(f"{path} is not JSON ({problem}); left unchanged") from None
    document = json.dumps(merged(existing, **settings), indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, document)
