"""Where the tracker is and who is reporting: flags win over `AGENT_TRACKER_*` variables."""

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_URL = "http://localhost:8000"
DEFAULT_TIMEOUT_SECONDS = 2.0


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


def default_agent() -> str:
    # Agent names may not contain "/", which neither a user name nor a host name does.
    return f"{getpass.getuser()}@{socket.gethostname()}"


def default_state_dir(environ: Mapping[str, str]) -> Path:
    state_home = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "agent-tracker"


@dataclass(frozen=True)
class TrackerConfig:
    url: str = DEFAULT_URL
    api_key: str | None = field(default=None, repr=False)
    project: str | None = None
    agent: str = field(default_factory=default_agent)
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    """Seconds one attempt may take; a call retries within a few of these at most."""
    state_dir: Path = field(default_factory=lambda: default_state_dir(os.environ))
    """Holds the spool and the tasks `start` remembers (AGENT_TRACKER_STATE_DIR)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "state_dir", Path(self.state_dir))
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"the tracker URL must start with http:// or https://: {self.url!r}")

    @property
    def spool_path(self) -> Path:
        return self.state_dir / "spool.jsonl"

    @property
    def tasks_path(self) -> Path:
        return self.state_dir / "tasks.json"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> "TrackerConfig":
        """Read `AGENT_TRACKER_*`; keyword arguments that are not None take precedence."""
        env = os.environ if environ is None else environ
        found: dict[str, Any] = {
            "url": env.get("AGENT_TRACKER_URL"),
            "api_key": env.get("AGENT_TRACKER_API_KEY") or env.get("API_KEY"),
            "project": env.get("AGENT_TRACKER_PROJECT"),
            "agent": env.get("AGENT_TRACKER_AGENT"),
            "timeout": _seconds(env.get("AGENT_TRACKER_TIMEOUT"), "AGENT_TRACKER_TIMEOUT"),
            "state_dir": Path(env["AGENT_TRACKER_STATE_DIR"])
            if env.get("AGENT_TRACKER_STATE_DIR")
            else default_state_dir(env),
        }
        found.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**{name: value for name, value in found.items() if value not in (None, "")})

    def with_overrides(self, **overrides: Any) -> "TrackerConfig":
        return replace(self, **{k: v for k, v in overrides.items() if v not in (None, "")})

    def require_project(self) -> str:
        if not self.project:
            raise ConfigError("no project: pass --project or set AGENT_TRACKER_PROJECT")
        return self.project


def _seconds(text: str | None, name: str) -> float | None:
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {text!r}") from None
    if not 0 < value <= 60:
        raise ConfigError(f"{name} must be between 0 and 60 seconds, not {text!r}")
    return value
