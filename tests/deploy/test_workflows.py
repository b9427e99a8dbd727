"""The GitHub Actions workflows: linted (actionlint, with shellcheck on their scripts), audited
for security (zizmor, its strictest persona), and held to this project's own rules: actions
pinned to commits, least privilege, every image built, scanned and published."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_compose import build_stages, dockerfile_instructions, load_compose
from tools.manifests import IMAGES, ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")

# A workflow with the mistakes each tool exists to catch.
BROKEN = """\
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo ${{ matrix.undefined }}
"""


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def workflow(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def triggers(document: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    value = document.get("on", document.get(True))
    return value if isinstance(value, dict) else {name: None for name in value}


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("the workflow lint needs shellcheck (run `make workflow-tools`)", pytrace=False)
    command = [str(BIN / "actionlint"), f"-shellcheck={shellcheck}", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "zizmor"), "--offline", "--no-progress", "--persona", "pedantic"]
    env = {key: value for key, value in os.environ.items() if key != "GH_TOKEN"}
    return subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_there_is_a_workflow() -> None:
    assert [path.name for path in workflow_files()] == ["ci.yml"]


def test_actionlint_finds_nothing() -> None:
    linted = actionlint(*workflow_files())
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_zizmor_finds_nothing() -> None:
    audited = zizmor(*workflow_files())
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "No findings" in audited.stdout + audited.stderr


def test_both_tools_fail_on_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(BROKEN)
    linted = actionlint(broken)
    assert linted.returncode != 0
    assert "matrix" in linted.stdout
    audited = zizmor(broken)
    assert audited.returncode != 0
    findings = audited.stdout + audited.stderr
    for audit in ("dangerous-triggers", "unpinned-uses", "template-injection", "artipacked"):
        assert audit in findings, audit


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_actions_are_pinned_to_commits_and_name_their_release(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text())
    assert uses
    for action, comment in uses:
        assert PINNED.fullmatch(action), action
        assert re.fullmatch(r"\s*# v\d+(\.\d+)*", comment), (action, comment)


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_least_privilege_and_no_privileged_trigger(path: Path) -> None:
    document = workflow(path)
    assert "pull_request_target" not in triggers(document)
    assert "workflow_run" not in triggers(document)
    assert document["permissions"] == {}
    for name, job in document["jobs"].items():
        permissions = job["permissions"]
        writes = {scope for scope, level in permissions.items() if level == "write"}
        if writes:  # only the jobs that publish, and only on a version tag
            assert job["if"] == "startsWith(github.ref, 'refs/tags/v')", name
            assert writes in ({"packages"}, {"contents"}), (name, writes)


def test_ci_runs_every_test_as_the_local_ci_does() -> None:
    steps = workflow(WORKFLOWS / "ci.yml")["jobs"]["test"]["steps"]
    assert any(step.get("run") == "make test" for step in steps)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_image_is_built_scanned_and_published() -> None:
    jobs = workflow(WORKFLOWS / "ci.yml")["jobs"]
    stages = build_stages(dockerfile_instructions(ROOT / "Dockerfile"), {})
    built = {stage.name for stage in stages if stage.base == "runtime"} | {"web"}
    compose = {
        Path(service["image"]).name
        for service in load_compose()["services"].values()
        if "build" in service
    }
    assert built == compose == set(IMAGES)
    for name in ("images", "publish"):
        assert set(jobs[name]["strategy"]["matrix"]["service"]) == built, name
        uses = [step.get("uses", "").split("@")[0] for step in jobs[name]["steps"]]
        assert "docker/build-push-action" in uses, name
        assert "aquasecurity/trivy-action" in uses, name
        scan = next(s for s in jobs[name]["steps"] if s.get("uses", "").startswith("aqua"))
        assert scan["with"]["exit-code"] == "1", name
    assert set(jobs["publish"]["needs"]) == {"test", "images"}
    assert jobs["release"]["needs"] == ["publish"]
    render = " ".join(step.get("run", "") for step in jobs["release"]["steps"])
    assert "python -m tools.manifests --release" in render
