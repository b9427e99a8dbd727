"""The README, followed as written: `make run` starts quietly and ends by saying where everything
is, then every `bash` and `python` block of the README runs against it.

The convention, stated in the README's Development section: blocks run top to bottom from the
repository root, in one shell environment; `bash` blocks with `set -euo pipefail`, `python`
blocks with `.venv/bin/python`; `<!-- readme-test: skip: <why> -->` right above a fence skips
that block. Before running a block only two things change: the gateway's `localhost:8000`
becomes the port of this run, and `.data/` its data folder. Between blocks the test waits for
the tracker to apply what was sent, as a reader's pause would.
"""

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .newcomer import ROOT, SUMMARY_END, SUMMARY_START, Newcomer, fresh_shell_env, make_run

# Starting `make run` (a first start initialises PostgreSQL) counts towards the first test.
pytestmark = pytest.mark.timeout(300)

README = ROOT / "README.md"
RUNS = {"bash", "python"}
NEVER_RUNS = {"", "json", "dotenv", "javascript"}
MARKER = re.compile(r"<!-- readme-test: (?P<rest>.*?) ?-->")
SKIP = re.compile(r"skip: (?P<why>\S.*)")
# A line that reads as trouble: Traefik's levels, Python's and uvicorn's, and the words of a
# failure. Anything a newcomer would take for an error counts, expected or not.
TROUBLE = re.compile(
    r"\b(WRN|ERR|FTL|PNC)\b"
    r"|(?i:\b(warn|warning|error|errors|critical|fatal|panic|traceback|refused|failed|failure)\b)"
    r"|(?i:\w+(warning|error|exception)\b)"
)
ROW = re.compile(r"  (?P<part>\S+(?: \S+)?)\s{2,}(?P<where>\S.*)")
SERVICES = ["ingest", "query", "realtime", "notify", "portal", "web"]


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, counted from 1
    language: str
    code: str
    skipped_because: str | None


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block, refusing a marker that is malformed or does not sit on a fence."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("<!-- readme-test"):
            marker = MARKER.fullmatch(line.strip())
            assert marker, f"README.md line {index + 1}: write <!-- readme-test: skip: <why> -->"
            assert SKIP.fullmatch(marker["rest"]), f"README.md line {index + 1}: say why to skip"
            following = lines[index + 1] if index + 1 < len(lines) else ""
            assert following.startswith("```"), f"README.md line {index + 1}: no fence below"
        elif line.startswith("```"):
            end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
            above = MARKER.fullmatch(lines[index - 1].strip()) if index else None
            skip = SKIP.fullmatch(above["rest"]) if above else None
            blocks.append(
                Block(
                    line=index + 1,
                    language=line[3:].strip(),
                    code="\n".join(lines[index + 1 : end]),
                    skipped_because=skip["why"] if skip else None,
                )
            )
            index = end
        index += 1
    return blocks


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newcomer]:
    """`make run` from the repository, as the README has a newcomer start it."""
    with make_run(tmp_path_factory.mktemp("newcomer")) as running:
        yield running


def as_run_here(code: str, newcomer: Newcomer) -> str:
    code = re.sub(r"\b(localhost|127\.0\.0\.1):8000\b", rf"\g<1>:{newcomer.gateway_port}", code)
    return re.sub(r"(?<![\w./-])\.data/", f"{newcomer.data_dir}/", code)


def test_every_block_is_run_or_says_why_not() -> None:
    for block in readme_blocks(README.read_text()):
        where = f"README.md line {block.line}"
        assert block.language in RUNS | NEVER_RUNS, f"{where}: use ```bash for commands"
        if block.language in NEVER_RUNS:
            assert block.skipped_because is None, f"{where}: a {block.language!r} block never runs"


def test_the_readme_needs_no_tool_that_make_run_leaves_off_the_path() -> None:
    # `make run` installs uv into .tools/bin, which is not on the PATH of a new shell.
    commands = re.findall(r"`([^`]+)`", README.read_text())
    assert not [c for c in commands if re.match(r"uv (run|tool|sync|pip)\b", c)]


def test_make_help_and_the_readme_name_the_same_targets() -> None:
    help_text = subprocess.run(
        ["make", "help"], cwd=ROOT, env=fresh_shell_env(), capture_output=True, text=True
    ).stdout
    targets = set(re.findall(r"^  make (\S+)", help_text, re.MULTILINE))
    assert "run" in targets
    text = README.read_text()
    assert set(re.findall(r"^\| `make ([a-z-]+)` \|", text, re.MULTILINE)) == targets
    assert set(re.findall(r"`make ([a-z-]+)", text)) <= targets


def test_start_up_prints_no_warning_or_error(newcomer: Newcomer) -> None:
    trouble = [line for line in newcomer.startup.splitlines() if TROUBLE.search(line)]
    assert not trouble, "make run printed while starting:\n" + "\n".join(trouble)


def test_the_summary_comes_last_once_every_part_is_up(newcomer: Newcomer) -> None:
    lines = newcomer.startup.splitlines()
    assert lines.count(SUMMARY_START) == 1
    start = lines.index(SUMMARY_START)
    before, summary = lines[:start], lines[start:]
    for service in SERVICES:
        assert any(f"{service} " in line and "Uvicorn running on" in line for line in before)
    assert any("gateway" in line and "Starting provider" in line for line in before)
    assert any("keys" in line and "API keys in force: default" in line for line in before)

    gateway = f"http://127.0.0.1:{newcomer.gateway_port}"
    key_file = (newcomer.data_dir / "api-key").resolve()
    assert summary[-2:] == [
        f"Dashboard: {gateway}/  (API key: the generated one in {key_file})",
        SUMMARY_END,
    ]
    rows = [ROW.fullmatch(line) for line in summary[1:-2]]
    assert all(rows), "only the table between the heading and the URL"
    listed = {row["part"]: row["where"] for row in rows if row}
    assert len(listed) == len(rows)
    assert listed["gateway"] == gateway
    assert all(listed[service].startswith("http://127.0.0.1:") for service in SERVICES)
    assert listed["embedded PostgreSQL"].startswith("127.0.0.1:")


def test_the_dashboard_and_the_key_are_named_once(newcomer: Newcomer) -> None:
    assert newcomer.startup.count(f"127.0.0.1:{newcomer.gateway_port}/") == 1
    assert newcomer.startup.count("api-key") == 1


def test_every_readme_command_runs_as_written(newcomer: Newcomer, tmp_path: Path) -> None:
    exports = tmp_path / "exports.sh"
    exports.write_text("")
    env = newcomer.env | {"AGENT_TRACKER_STATE_DIR": str(tmp_path / "agent-tracker")}
    ran = 0
    # Windows of the access log follow each other, so a line written late is still read.
    _, offset = newcomer.requests_since(0)
    for block in readme_blocks(README.read_text()):
        if block.language not in RUNS or block.skipped_because:
            continue
        code = as_run_here(block.code, newcomer)
        if block.language == "bash":
            script = f"source {exports}\nset -euo pipefail\n{code}\nexport -p > {exports}\n"
        else:
            program = tmp_path / f"block-{block.line}.py"
            program.write_text(code)
            script = f"source {exports}\nexec {ROOT}/.venv/bin/python {program}\n"
        result = subprocess.run(
            ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        where = f"README.md line {block.line}"
        said = f"\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        assert result.returncode == 0, f"{where}: exit {result.returncode}{said}"
        newcomer.wait_until_applied()
        requests, offset = newcomer.requests_since(offset)
        refused = [
            f"{r['RequestMethod']} {r['RequestPath']} → {r['DownstreamStatus']}"
            for r in requests
            if int(str(r["DownstreamStatus"])) >= 400
        ]
        assert not refused, f"{where}: the gateway refused {refused}{said}"
        ran += 1
    assert ran >= 8, "the README's examples are found and run"
