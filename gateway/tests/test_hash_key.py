"""`python -m tracker_gateway.hash_key`: the configured form of a key, and new keys."""

import io
import subprocess
import sys

import pytest

from tracker_gateway.hash_key import main
from tracker_gateway.keys import KeySettings, key_digest


def matches(configured_as: str, key: str) -> bool:
    settings = KeySettings(
        _env_file=None, api_key=None, api_keys=f"ci:ingest:{configured_as}", api_keys_file=None
    )
    [configured] = settings.keys()
    return configured.digest == key_digest(key)


def test_a_key_from_stdin_is_printed_as_its_sha256(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("my-key_1\n"))
    assert main([]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1
    assert printed[0].startswith("sha256:")
    assert "my-key_1" not in printed[0]
    assert matches(printed[0], "my-key_1")
    assert not matches(printed[0], "my-key_2")


def test_a_new_key_is_printed_after_its_hash(capsys) -> None:
    assert main(["--new"]) == 0
    hashed, key = capsys.readouterr().out.splitlines()
    assert len(key) >= 32
    assert matches(hashed, key)
    assert matches(key, key)


def test_new_keys_differ(capsys) -> None:
    main(["--new"])
    main(["--new"])
    first, second = capsys.readouterr().out.splitlines()[1::2]
    assert first != second


@pytest.mark.parametrize("text", ["", "two words", "a/b", "sha256:abc"])
def test_what_is_not_a_key_is_refused(monkeypatch, capsys, text) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main([]) == 2
    output = capsys.readouterr()
    assert output.out == ""
    assert "url-safe token" in output.err


def test_it_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tracker_gateway.hash_key"],
        input="k1",
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        done.stdout == "sha256:6ab9f1eb8f7d3388f4f9d586f66e99fd54080df2c446f0e58668b09c08a16dd0\n"
    )
