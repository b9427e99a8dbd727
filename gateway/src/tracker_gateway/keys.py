"""API keys: how they are configured.

`API_KEY` is one key, named `default`, with the `admin` scope. `API_KEYS` holds more, separated
by commas, and the file named by `API_KEYS_FILE` more again, one per line (blank lines and lines
starting with `#` are skipped); each entry is one of

    name:key                     an admin key
    name:scope:key               scope: ingest, read or admin
    name:scope:key:proj-a|proj-b that key, limited to these projects

A key is a url-safe token (letters, digits, `-`, `_`) or `sha256:<64 hex digits>`, the SHA-256
of the real key, so that the secret itself need not be stored. Names are letters, digits, `.`,
`-`, `_`. Project names that contain `,`, `:`, `|` or `%` are written URL-encoded.

The environment is read once; the file may change at any time (`tracker_gateway.keysync` puts
every change in front of the gateway within seconds).
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Self, TypeGuard, get_args
from urllib.parse import unquote

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Scope = Literal["ingest", "read", "admin"]
SCOPES: tuple[Scope, ...] = get_args(Scope)

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_HASHED = re.compile(r"sha256:([0-9a-fA-F]{64})")
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_PROJECT_NAME_MAX_LENGTH = 128
_FORMAT = "entries are name:key, name:scope:key or name:scope:key:project|project"
_KEY_FORMAT = "a url-safe token (letters, digits, '-', '_') or sha256:<64 hex digits>"


@dataclass(frozen=True)
class ApiKey:
    name: str
    scope: Scope
    digest: bytes = field(repr=False)
    projects: frozenset[str] | None = None  # None: every project


def key_digest(key: str | bytes) -> bytes:
    raw = key.encode() if isinstance(key, str) else key
    return hashlib.sha256(raw).digest()


def is_token(value: str) -> bool:
    return _TOKEN.fullmatch(value) is not None


def is_scope(value: str) -> TypeGuard[Scope]:
    return value in SCOPES


def _configured_digest(value: str, where: str) -> bytes:
    """The digest of a configured key, given as the key itself or as `sha256:<hex>`."""
    if hashed := _HASHED.fullmatch(value):
        return bytes.fromhex(hashed[1])
    if value.startswith("sha256"):
        raise ValueError(f"{where}: a hashed key is sha256: followed by 64 hex digits")
    if not is_token(value):
        raise ValueError(f"{where}: the key must be {_KEY_FORMAT}")
    return key_digest(value)


def _fields(text: str) -> list[str]:
    """`:`-separated fields, keeping `sha256:<hex>` together as one."""
    fields: list[str] = []
    for part in (part.strip() for part in text.split(":")):
        if fields and fields[-1] == "sha256":
            fields[-1] += ":" + part
        else:
            fields.append(part)
    return fields


def _projects(text: str, where: str) -> frozenset[str]:
    projects = {unquote(name).strip() for name in text.split("|")}
    if not all(0 < len(name) <= _PROJECT_NAME_MAX_LENGTH for name in projects):
        raise ValueError(
            f"{where}: projects are 1 to {_PROJECT_NAME_MAX_LENGTH} characters, separated by '|'"
        )
    if any("/" in name or any(ord(c) < 32 or ord(c) == 127 for c in name) for name in projects):
        raise ValueError(f"{where}: a project name has no '/' and no control characters")
    return frozenset(projects)


def _entry(place: str, entry: str) -> ApiKey:
    """One entry; `place` says where it stands (`API_KEYS entry 2`) in error messages."""
    name, colon, rest = (part.strip() for part in entry.partition(":"))
    if not colon:
        raise ValueError(f"{place} has no ':'; {_FORMAT}")
    if not _NAME.fullmatch(name):
        raise ValueError(f"{place}: the name must be letters, digits, '.', '-' or '_'")
    where = f"{place} ({name!r})"
    fields = _fields(rest)
    scope, key, *more = fields if len(fields) > 1 else ["admin", *fields]
    if len(more) > 1:
        raise ValueError(f"{where} has too many ':'; {_FORMAT}")
    if key in SCOPES:
        raise ValueError(f"{where}: the key is missing after the scope; {_FORMAT}")
    if not is_scope(scope):
        # Not echoed: with a field left out, what stands here may be the secret.
        raise ValueError(f"{where}: unknown scope, not one of {', '.join(SCOPES)}; {_FORMAT}")
    return ApiKey(
        name=name,
        scope=scope,
        digest=_configured_digest(key, where),
        projects=_projects(more[0], where) if more else None,
    )


def parse_api_keys(text: str) -> list[ApiKey]:
    entries = (entry.strip() for entry in text.split(","))
    return [
        _entry(f"API_KEYS entry {position}", entry)
        for position, entry in enumerate(entries, 1)
        if entry
    ]


def parse_key_file(text: str) -> list[ApiKey]:
    lines = (line.strip() for line in text.splitlines())
    return [
        _entry(f"API_KEYS_FILE line {number}", line)
        for number, line in enumerate(lines, 1)
        if line and not line.startswith("#")
    ]


class KeySettings(BaseSettings):
    """`API_KEY` and `API_KEYS`, described in this module's docstring."""

    # Inputs are secrets: keep them out of validation errors.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    api_key: SecretStr | None = None
    api_keys: SecretStr | None = None
    api_keys_file: Path | None = None

    @model_validator(mode="after")
    def _keys_are_valid(self) -> Self:
        self.keys()
        return self

    def keys(self) -> list[ApiKey]:
        keys: list[ApiKey] = []
        if self.api_key is not None and (single := self.api_key.get_secret_value().strip()):
            keys.append(ApiKey("default", "admin", _configured_digest(single, "API_KEY")))
        if self.api_keys is not None:
            keys.extend(parse_api_keys(self.api_keys.get_secret_value()))
        if self.api_keys_file is not None:
            try:
                text = self.api_keys_file.read_text()
            except OSError as unreadable:
                raise ValueError(f"API_KEYS_FILE cannot be read: {unreadable.strerror}") from None
            keys.extend(parse_key_file(text))
        _refuse_duplicates(keys)
        return keys


def _refuse_duplicates(keys: list[ApiKey]) -> None:
    names: set[str] = set()
    digests: dict[bytes, str] = {}
    for key in keys:
        if key.name in names:
            also = " (API_KEY is named 'default')" if key.name == "default" else ""
            raise ValueError(f"the key name {key.name!r} is used twice{also}")
        if key.digest in digests:
            raise ValueError(f"the keys {digests[key.digest]!r} and {key.name!r} are the same")
        names.add(key.name)
        digests[key.digest] = key.name
