import json
import subprocess
import sys
from pathlib import Path

from agent_tracker import new_event
from agent_tracker._spool import Spool

WORKER = """
import sys
from agent_tracker import Tracker
tracker = Tracker(url=sys.argv[1], project="p", agent=sys.argv[2], state_dir=sys.argv[3])
for n in range(int(sys.argv[4])):
    tracker.report("status", task="t", task_id=sys.argv[2], progress=n)
"""


def status(n: int) -> object:
    return new_event("status", project="p", task="t", task_id="t", agent="a", progress=n)


def test_saving_appends_or_rewrites_and_keeps_the_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    first, second, third = status(1), status(2), status(3)
    with spool.locked() as locked:
        locked.save([], [first, second])
        locked.save([first, second], [first, second, third])
        assert locked.read() == [first, second, third]
        locked.save([first, second, third], [third])
        assert locked.read() == [third]
        locked.save([third], [])
    assert not spool.path.exists()


def test_the_spool_is_private_to_its_user(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "state" / "spool.jsonl")
    with spool.locked() as locked:
        locked.save([], [status(1)])
    assert spool.path.stat().st_mode & 0o077 == 0


def test_a_line_torn_by_a_crash_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    event = status(1)
    spool.path.write_text(event.to_line() + "\n" + '{"kind": "status", "bo')
    with spool.locked() as locked:
        assert locked.read() == [event]


def test_parallel_processes_never_interleave_and_each_keeps_its_order(
    tmp_path: Path, closed_port_url: str
) -> None:
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, closed_port_url, f"w{i}", str(tmp_path), "25"]
        )
        for i in range(4)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0, 0, 0]
    lines = (tmp_path / "spool.jsonl").read_text().splitlines()
    bodies = [json.loads(line)["body"] for line in lines]
    assert len(bodies) == 100
    for i in range(4):
        mine = [body["progress"] for body in bodies if body["agent"] == f"w{i}"]
        assert mine == list(range(25))
    assert len({body["event_id"] for body in bodies}) == 100
