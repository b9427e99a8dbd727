"""`API_KEY` and `API_KEYS`: the accepted forms, and precise refusals that keep secrets out."""

import hashlib

import pytest
from pydantic import ValidationError

from tracker_gateway.keys import ApiKey, KeySettings, key_digest

HEX = hashlib.sha256(b"real-key").hexdigest()


def configured(**values: str | None) -> KeySettings:
    """Settings from these values only, not from the environment or a .env file."""
    return KeySettings(
        _env_file=None, **{"api_key": None, "api_keys": None, "api_keys_file": None, **values}
    )


def described(keys: list[ApiKey]) -> list[tuple[str, str, frozenset[str] | None]]:
    return [(key.name, key.scope, key.projects) for key in keys]


def test_every_entry_form_is_read() -> None:
    keys = configured(
        api_key="k0",
        api_keys=(
            "ci:ingest:k1, dash:read:k2 ,ops:admin:k3,old:k4,"
            "team:read:k5:proj-a|proj%2Cb|proj%3Ac,h:read:sha256:" + HEX + ":proj-a,"
        ),
    ).keys()
    assert described(keys) == [
        ("default", "admin", None),
        ("ci", "ingest", None),
        ("dash", "read", None),
        ("ops", "admin", None),
        ("old", "admin", None),
        ("team", "read", frozenset({"proj-a", "proj,b", "proj:c"})),
        ("h", "read", frozenset({"proj-a"})),
    ]
    assert [key.digest for key in keys[:6]] == [key_digest(f"k{n}") for n in range(6)]


@pytest.mark.parametrize("configured_as", [f"sha256:{HEX}", f"sha256:{HEX.upper()}", "real-key"])
def test_a_key_is_given_as_itself_or_as_its_sha256(configured_as) -> None:
    for settings in (
        configured(api_key=configured_as),
        configured(api_keys=f"ci:ingest:{configured_as}"),
        configured(api_keys=f"ci:{configured_as}"),
    ):
        [key] = settings.keys()
        assert key.digest == key_digest("real-key")
        assert key.digest != key_digest(f"sha256:{HEX}")


def test_empty_settings_give_no_keys() -> None:
    assert configured().keys() == []
    assert configured(api_key="", api_keys=" , ").keys() == []


SECRET = "Do-not-print-me"


@pytest.mark.parametrize(
    ("api_keys", "reason"),
    [
        (SECRET, "API_KEYS entry 1 has no ':'"),
        (f"ok:k1,{SECRET}", "API_KEYS entry 2 has no ':'"),
        (f"bad name:{SECRET}", "API_KEYS entry 1: the name must be letters"),
        (f":{SECRET}", "API_KEYS entry 1: the name must be letters"),
        ("ci:", "API_KEYS entry 1 ('ci'): the key must be a url-safe token"),
        (f"ci:{SECRET}+1", "API_KEYS entry 1 ('ci'): the key must be a url-safe token"),
        (f"ci:read:{SECRET}=", "('ci'): the key must be a url-safe token (letters, digits"),
        ("ci:ingest", "API_KEYS entry 1 ('ci'): the key is missing after the scope"),
        (f"ci:reader:{SECRET}", "API_KEYS entry 1 ('ci'): unknown scope"),
        (f"ci:{SECRET}:proj-a", "API_KEYS entry 1 ('ci'): unknown scope"),
        (f"ci:read:{SECRET}:a:b", "API_KEYS entry 1 ('ci') has too many ':'"),
        (f"ci:read:{SECRET}:", "API_KEYS entry 1 ('ci'): projects are 1 to 128 characters"),
        (f"ci:read:{SECRET}:a||b", "API_KEYS entry 1 ('ci'): projects are 1 to 128"),
        (f"ci:read:{SECRET}:a%2Fb", "('ci'): a project name has no '/'"),
        (f"ci:read:{SECRET}:a%0Ab", "('ci'): a project name has no '/' and no control"),
        ("ci:read:sha256:abc", "('ci'): a hashed key is sha256: followed by 64 hex digits"),
        (f"ci:sha256:{HEX}0", "('ci'): a hashed key is sha256: followed by 64 hex digits"),
        (f"ci:k1,ci:{SECRET}", "the key name 'ci' is used twice"),
        (f"default:{SECRET}", "the key name 'default' is used twice (API_KEY is named"),
        (f"a:{SECRET},b:ingest:{SECRET}", "the keys 'a' and 'b' are the same"),
    ],
)
def test_a_malformed_entry_is_refused_precisely_without_its_secret(api_keys, reason) -> None:
    with pytest.raises(ValidationError) as refused:
        configured(api_key="k0", api_keys=api_keys)
    shown = str(refused.value)
    assert reason in shown
    assert SECRET not in shown
    assert SECRET.lower() not in shown.lower()


@pytest.mark.parametrize("api_key", [f"{SECRET} x", f"{SECRET}/+=", "sha256:123"])
def test_a_malformed_api_key_is_refused_without_its_secret(api_key) -> None:
    with pytest.raises(ValidationError) as refused:
        configured(api_key=api_key)
    shown = str(refused.value)
    assert "API_KEY:" in shown
    assert SECRET not in shown


def test_keys_do_not_show_in_settings_output() -> None:
    settings = configured(api_key="k0-visible", api_keys="ci:read:k1-visible:proj-a")
    shown = repr(settings) + str(settings) + repr(settings.keys())
    assert "visible" not in shown
    assert key_digest("k1-visible").hex() not in shown
    assert repr(key_digest("k1-visible")) not in shown
