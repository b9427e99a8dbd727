from pathlib import Path

import pytest

from agent_tracker import ConfigError, TrackerConfig


def test_settings_come_from_the_environment() -> None:
    config = TrackerConfig.from_env(
        {
            "AGENT_TRACKER_URL": "https://tracker.example",
            "AGENT_TRACKER_API_KEY": "k1",
            "AGENT_TRACKER_PROJECT": "app",
            "AGENT_TRACKER_AGENT": "bot",
            "AGENT_TRACKER_TIMEOUT": "0.5",
            "AGENT_TRACKER_STATE_DIR": "/tmp/somewhere",
        }
    )
    assert (config.url, config.api_key, config.project, config.agent) == (
        "https://tracker.example",
        "k1",
        "app",
        "bot",
    )
    assert config.timeout == 0.5
    assert config.spool_path == Path("/tmp/somewhere/spool.jsonl")


def test_flags_win_over_the_environment_and_unset_flags_do_not() -> None:
    env = {"AGENT_TRACKER_PROJECT": "from-env", "AGENT_TRACKER_AGENT": "env-agent"}
    config = TrackerConfig.from_env(env, project="from-flag", agent=None)
    assert (config.project, config.agent) == ("from-flag", "env-agent")


def test_defaults_and_the_api_key_fallback() -> None:
    config = TrackerConfig.from_env({"API_KEY": "plain", "XDG_STATE_HOME": "/state"})
    assert config.url == "http://localhost:8000"
    assert config.api_key == "plain"
    assert config.timeout == 2.0
    assert config.state_dir == Path("/state/agent-tracker")
    assert "/" not in config.agent
    assert "@" in config.agent


def test_the_key_never_appears_in_the_representation() -> None:
    assert "s3cret" not in repr(TrackerConfig.from_env({"AGENT_TRACKER_API_KEY": "s3cret"}))


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AGENT_TRACKER_TIMEOUT": "soon"}, "AGENT_TRACKER_TIMEOUT"),
        ({"AGENT_TRACKER_TIMEOUT": "600"}, "AGENT_TRACKER_TIMEOUT"),
        ({"AGENT_TRACKER_URL": "ftp://tracker"}, "http://"),
    ],
)
def test_malformed_settings_are_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        TrackerConfig.from_env(env)


def test_a_project_is_required_to_report() -> None:
    with pytest.raises(ConfigError, match="AGENT_TRACKER_PROJECT"):
        TrackerConfig.from_env({}).require_project()
