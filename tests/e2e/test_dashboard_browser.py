"""The dashboard in Debian's Chromium (driven by playwright-core), through the real gateway:
a task posted by an agent appears and moves on the page live; outcomes posted while the page's
live feed is cut arrive when it resumes; never a reload. With hundreds of projects, the
overview loads with a handful of requests and the sidebar finds a project by name. The inbox's
count follows a task that starts and stops waiting on a person.

Needs the built dashboard and its node modules (`make web`) and /usr/bin/chromium
(`make web-browser`); `make test` prepares all three.
"""

import os
import selectors
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.sample_work import PROJECTS, STACK, post_sample_work
from tests.e2e.test_batch import item, post_batch
from tests.waiting import eventually
from tracker_contracts import EventKind

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SCRIPTS = WEB / "tests" / "browser"
SCRIPT = SCRIPTS / "live-dashboard.mjs"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
STEP_SECONDS = 45
SAMPLE_PROJECT = next(iter(PROJECTS))


@pytest.fixture(scope="module")
def browser_ready() -> None:
    missing = []
    if not (WEB / "dist" / "index.html").is_file():
        missing.append("the built dashboard web/dist (run `make web`)")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        missing.append("web/node_modules with playwright-core (run `make web`)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (run `make web-browser`: apt-get install chromium)")
    if missing:
        pytest.fail("the browser test needs " + "; ".join(missing), pytrace=False)


class BrowserScript:
    """The Node script, read line by line: each line is a step it reached."""

    def __init__(self, env: dict[str, str], script: Path = SCRIPT) -> None:
        self.process = subprocess.Popen(
            ["node", str(script)],
            cwd=WEB,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.selector.register(self.process.stdout, selectors.EVENT_READ)

    def wait_for(self, step: str, within: float = STEP_SECONDS) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.selector.select(timeout=0.5):
                line = self.process.stdout.readline()
                if line.startswith(step):
                    return line.strip()
                if line == "":
                    break
        self.process.kill()
        _, errors = self.process.communicate(timeout=10)
        pytest.fail(f"the page never reached `{step}`:\n{errors}", pytrace=False)

    def finish(self) -> None:
        _, errors = self.process.communicate(timeout=STEP_SECONDS)
        assert self.process.returncode == 0, errors

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.mark.timeout(300)
def test_a_task_appears_moves_and_finishes_live(
    stack: Stack, browser_ready: None, tmp_path: Path
) -> None:
    project = f"web ui.{uuid.uuid4().hex[:8]}"  # a space and a dot: names travel in URLs
    running, failing = "build-42", "import-43"
    shots = os.environ.get("DASHBOARD_SHOTS")
    tour = {"DASHBOARD_SHOTS": shots, "DASHBOARD_TOUR_PROJECT": SAMPLE_PROJECT} if shots else {}
    if shots:
        post_sample_work(stack.url, stack.keys["agent"])

    def post(kind: str, task_id: str, **fields: object) -> None:
        body = {"project": project, "task": f"Task {task_id}", "task_id": task_id, "agent": "bot"}
        answer = httpx.post(
            f"{stack.url}/webhook/{kind}", json=body | fields, headers=stack.headers("agent")
        )
        assert answer.status_code == 202, answer.text

    script = BrowserScript(
        {
            "DASHBOARD_URL": stack.url,
            "DASHBOARD_KEY": stack.keys["dashboard"],
            "DASHBOARD_PROJECT": project,
            "RUNNING_TASK": running,
            "FAILING_TASK": failing,
            "SCREENSHOT_DIR": str(tmp_path),
            "CHROMIUM": str(CHROMIUM),
            **tour,
        }
    )
    try:
        script.wait_for("ready")
        post("start", failing)
        script.wait_for("on-project")
        post("start", running)
        post("status", running, progress=40, message="compiling")
        script.wait_for("seen-progress")
        script.wait_for("dropped")
        post("finish", running, result="ok", duration_seconds=12.5)
        post(
            "error",
            failing,
            error_type="TimeoutError",
            error_message="Upstream API did not answer",
            stack_trace=STACK,
        )
        script.wait_for("on-stats")
        post("start", "late-44")
        # Visiting every view for the screenshots takes a while longer.
        done = script.wait_for("done", within=STEP_SECONDS * (4 if shots else 1))
        script.finish()
    finally:
        script.stop()
    screenshot = Path(done.removeprefix("done ").strip())
    assert screenshot.is_file()
    assert screenshot.stat().st_size > 10_000
    print(f"\nscreenshots: {screenshot} and {tmp_path / 'task-failed.png'}")


def seed_projects(stack: Stack, prefix: str, projects: int) -> None:
    """`projects` projects of three tasks each (done, failed, running), in a few batches."""
    events = []
    for n in range(projects):
        name = f"{prefix}p{n:03}"
        events += [
            item(EventKind.FINISH, project=name, task_id="done", duration_seconds=n),
            item(EventKind.ERROR, project=name, task_id="failed"),
            item(EventKind.START, project=name, task_id="running"),
        ]
    for start in range(0, len(events), 900):
        response = post_batch(stack, events[start : start + 900])
        assert response.status_code in (202, 207), response.text
        assert response.json()["accepted"] == len(events[start : start + 900])

    def applied() -> bool:
        answer = httpx.get(
            f"{stack.url}/api/stats/projects/summary",
            params={"q": prefix, "limit": 500},
            headers=stack.headers("dashboard"),
        )
        return sum(p["total_tasks"] for p in answer.json()) == 3 * projects

    eventually(applied, within=60, interval=0.5)


@pytest.mark.timeout(300)
def test_the_overview_of_400_projects_loads_with_few_requests(
    stack: Stack, browser_ready: None, tmp_path: Path
) -> None:
    prefix = f"fleet-{uuid.uuid4().hex[:6]}-"
    seed_projects(stack, prefix, 400)
    script = BrowserScript(
        {
            "DASHBOARD_URL": stack.url,
            "DASHBOARD_KEY": stack.keys["dashboard"],
            "PROJECT_PREFIX": prefix,
            "SEARCH_PROJECT": f"{prefix}p217",
            "SCREENSHOT_DIR": str(tmp_path),
            "CHROMIUM": str(CHROMIUM),
        },
        script=SCRIPTS / "many-projects.mjs",
    )
    try:
        first_load = script.wait_for("first-load")
        done = script.wait_for("done", within=STEP_SECONDS * 2)
        script.finish()
    finally:
        script.stop()
    screenshot = Path(done.removeprefix("done ").strip())
    assert screenshot.stat().st_size > 10_000
    print(f"\n{first_load}; screenshot: {screenshot}")


@pytest.mark.timeout(300)
def test_the_inbox_count_follows_a_task_waiting_on_a_person(
    stack: Stack, browser_ready: None, tmp_path: Path
) -> None:
    project, task_id = f"inbox-{uuid.uuid4().hex[:8]}", "deploy-7"

    def status(status: str, message: str) -> None:
        body = {
            "project": project,
            "task": "Deploy",
            "task_id": task_id,
            "agent": "claude-code",
            "status": status,
            "message": message,
        }
        answer = httpx.post(
            f"{stack.url}/webhook/status", json=body, headers=stack.headers("agent")
        )
        assert answer.status_code == 202, answer.text

    script = BrowserScript(
        {
            "DASHBOARD_URL": stack.url,
            "DASHBOARD_KEY": stack.keys["dashboard"],
            "WAITING_TASK": task_id,
            "SCREENSHOT_DIR": str(tmp_path),
            "CHROMIUM": str(CHROMIUM),
        },
        script=SCRIPTS / "inbox.mjs",
    )
    try:
        script.wait_for("ready")
        status("running", "building")
        status("needs_input", "Allow Bash: make deploy?")
        script.wait_for("waiting")
        status("running", "deploying")
        done = script.wait_for("done")
        script.finish()
    finally:
        script.stop()
    assert Path(done.removeprefix("done ").strip()).stat().st_size > 10_000
