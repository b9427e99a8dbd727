"""API keys: where they come from and how a presented key is matched, in constant time."""

import hashlib
import hmac
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class KeySettings(BaseSettings):
    """`API_KEY` (named `default`) and/or `API_KEYS` as `name:key,name:key`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    api_key: SecretStr | None = None
    api_keys: SecretStr | None = Field(
        default=None, description="Several named keys: `name:key,name:key`."
    )

    @field_validator("api_keys")
    @classmethod
    def _named_pairs(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            for pair in filter(None, value.get_secret_value().split(",")):
                name, _, key = pair.partition(":")
                if not name.strip() or not key.strip():
                    raise ValueError("each entry must be name:key")
        return value

    def named_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        if self.api_key is not None and self.api_key.get_secret_value():
            keys["default"] = self.api_key.get_secret_value()
        if self.api_keys is not None:
            for pair in filter(None, self.api_keys.get_secret_value().split(",")):
                name, _, key = pair.partition(":")
                keys[name.strip()] = key.strip()
        return keys


def _digest(key: str | bytes) -> bytes:
    raw = key.encode() if isinstance(key, str) else key
    return hashlib.sha256(raw).digest()


class KeyRing:
    """Holds only digests of the keys; matching compares against every key, in constant time."""

    def __init__(self, named_keys: dict[str, str]) -> None:
        self._digests = [(name, _digest(key)) for name, key in named_keys.items()]

    def __len__(self) -> int:
        return len(self._digests)

    def name_of(self, presented: str | bytes) -> str | None:
        """The name of the key presented, or None when it matches none."""
        digest = _digest(presented)
        found = None
        for name, known in self._digests:
            if hmac.compare_digest(digest, known):
                found = name
        return found


@lru_cache
def get_key_settings() -> KeySettings:
    return KeySettings()
