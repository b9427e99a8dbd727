"""`agent-tracker setup claude-code` merges into .claude/settings.local.json, and usage goes out
on status, finish and error from the command line and the SDK."""

import json
from pathlib import Path
from typing import Any

import pytest

from agent_tracker import Tracker, TrackerConfig, usage
from agent_tracker._claude_code import DEFAULT_HOOK_COMMAND, HOOK_EVENTS
from agent_tracker._cli import main

REPOSITORY = Path(__file__).resolve().parents[3]


def setup(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("AGENT_TRACKER_API_KEY", "key-1")
    assert main(["setup", "claude-code", "--url", "http://tracker:8000/", *args]) == 0
    written: dict[str, Any] = json.loads((folder / ".claude/settings.local.json").read_text())
    return written


def our_commands(settings: dict[str, Any], event: str) -> list[str]:
    return [
        hook["command"]
        for group in settings["hooks"][event]
        for hook in group["hooks"]
        if "agent-tracker-hook.py" in hook["command"]
    ]


def test_a_new_file_gets_the_telemetry_variables_and_every_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = setup(tmp_path, monkeypatch, "--project", "my-app")
    assert settings["env"] == {
        "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://tracker:8000",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=key-1",
        "OTEL_RESOURCE_ATTRIBUTES": "agent_tracker.project=my-app",
        "AGENT_TRACKER_URL": "http://tracker:8000",
        "AGENT_TRACKER_API_KEY": "key-1",
        "AGENT_TRACKER_PROJECT": "my-app",
    }
    assert list(settings["hooks"]) == list(HOOK_EVENTS)
    for event in HOOK_EVENTS:
        assert our_commands(settings, event) == [DEFAULT_HOOK_COMMAND]
    assert settings["hooks"]["PostToolUse"][0]["matcher"] == "*"
    assert (tmp_path / ".claude/settings.local.json").stat().st_mode & 0o077 == 0


def test_the_hooks_are_the_recipes_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = json.loads((REPOSITORY / "scripts/claude-code/settings.json").read_text())
    settings = setup(tmp_path, monkeypatch, "--project", "p")
    assert settings["hooks"] == recipe["hooks"]


def test_other_settings_are_kept_and_ours_updated_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs_hook = {"type": "command", "command": "./lint.sh"}
    old_ours = {"type": "command", "command": "python3 old/agent-tracker-hook.py", "timeout": 5}
    existing = {
        "permissions": {"allow": ["Bash(make test)"]},
        "env": {
            "EDITOR": "vim",
            "OTEL_RESOURCE_ATTRIBUTES": "team=core,agent_tracker.project=old",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=7,x-api-key=old-key",
            "AGENT_TRACKER_PROJECT": "old",
        },
        "hooks": {
            "PostToolUse": [{"matcher": "Bash", "hooks": [theirs_hook, old_ours]}],
            "PreToolUse": [{"matcher": "*", "hooks": [theirs_hook]}],
        },
    }
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude/settings.local.json").write_text(json.dumps(existing))
    settings = setup(tmp_path, monkeypatch, "--project", "new", "--agent", "claude-laptop")
    assert settings["permissions"] == existing["permissions"]
    env = settings["env"]
    assert env["EDITOR"] == "vim"
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == (
        "team=core,agent_tracker.project=new,agent_tracker.agent=claude-laptop"
    )
    assert env["OTEL_EXPORTER_OTLP_HEADERS"] == "x-tenant=7,x-api-key=key-1"
    assert (env["AGENT_TRACKER_PROJECT"], env["AGENT_TRACKER_AGENT"]) == ("new", "claude-laptop")
    assert settings["hooks"]["PreToolUse"] == existing["hooks"]["PreToolUse"]
    # Our old entry is replaced where it was; theirs beside it stays; no second group is added.
    assert settings["hooks"]["PostToolUse"] == [
        {
            "matcher": "Bash",
            "hooks": [
                theirs_hook,
                {"type": "command", "command": DEFAULT_HOOK_COMMAND, "timeout": 15},
            ],
        }
    ]


def test_running_it_twice_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = setup(tmp_path, monkeypatch, "--project", "p")
    assert setup(tmp_path, monkeypatch, "--project", "p") == first


@pytest.mark.parametrize(
    ("content", "named"),
    [("{not json", "not JSON"), ('{"hooks": []}', '"hooks"'), ('{"env": "x"}', '"env"')],
)
def test_a_file_it_cannot_merge_is_left_unchanged(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
    named: str,
) -> None:
    path = tmp_path / ".claude/settings.local.json"
    path.parent.mkdir()
    path.write_text(content)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENT_TRACKER_API_KEY", "k")
    with pytest.raises(SystemExit) as exit_:
        main(["setup", "claude-code", "--url", "http://t:8000", "--project", "p"])
    assert exit_.value.code == 2
    assert named in capsys.readouterr().err
    assert path.read_text() == content


def test_usage_flags_go_out_on_status_finish_and_error(
    offline_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in offline_env.items():
        monkeypatch.setenv(name, value)
    spent = ["--model", "claude-sonnet-4-5", "--input-tokens", "1200", "--output-tokens", "340"]
    assert main(["status", "--task-id", "t", *spent, "--cache-read-tokens", "50"]) == 0
    assert main(["finish", "--task-id", "t", "--cost", "0.25", "--currency", "EUR"]) == 0
    assert main(["error", "--task-id", "t", "--message", "m", "--cache-write-tokens", "9"]) == 0
    assert main(["status", "--task-id", "t"]) == 0
    spool = Path(offline_env["AGENT_TRACKER_STATE_DIR"]) / "spool.jsonl"
    sent = [json.loads(line)["body"].get("usage") for line in spool.read_text().splitlines()]
    assert sent == [
        {
            "model": "claude-sonnet-4-5",
            "input_tokens": 1200,
            "output_tokens": 340,
            "cache_read_tokens": 50,
        },
        {"cost": 0.25, "currency": "EUR"},
        {"cache_write_tokens": 9},
        None,
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--input-tokens", "-3"],
        ["--cost", "nan"],
        ["--currency", "usd"],
        ["--output-tokens", "1.5"],
    ],
)
def test_bad_usage_flags_are_usage_errors(
    offline_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    for name, value in offline_env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        main(["status", "--task-id", "t", *args])
    assert exit_.value.code == 2


def test_the_sdk_sends_usage_on_status_finish_and_fail(offline_env: dict[str, str]) -> None:
    tracker = Tracker(TrackerConfig.from_env(offline_env))
    with tracker.task("Build") as task:
        task.progress(50, "half", usage=usage(model="m", input_tokens=10))
        task.finish("done", usage=usage(cost=0.5))
    with tracker.task("Fails") as task:
        task.fail(RuntimeError("x"), usage=usage(output_tokens=3))
    spool = Path(offline_env["AGENT_TRACKER_STATE_DIR"]) / "spool.jsonl"
    sent = [json.loads(line) for line in spool.read_text().splitlines()]
    assert [(e["kind"], e["body"].get("usage")) for e in sent] == [
        ("start", None),
        ("status", {"model": "m", "input_tokens": 10}),
        ("finish", {"cost": 0.5}),
        ("start", None),
        ("error", {"output_tokens": 3}),
    ]
    assert usage() is None
