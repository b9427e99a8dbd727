import asyncio
import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import T0, event
from tracker_contracts import AnyTaskEvent, EventKind
from tracker_query.applying import apply_events
from tracker_query.models import EventRecord, Project, Task


async def history_size(sessions: async_sessionmaker[AsyncSession], project: str) -> int:
    async with sessions() as session:
        query = (
            select(func.count())
            .select_from(EventRecord)
            .join(Task, Task.id == EventRecord.task_pk)
            .join(Project, Project.id == Task.project_id)
            .where(Project.name == project)
        )
        return await session.scalar(query) or 0


async def task_in(sessions: async_sessionmaker[AsyncSession], project: str, task_id: str) -> Task:
    async with sessions() as session:
        query = (
            select(Task)
            .join(Project, Project.id == Task.project_id)
            .where(Project.name == project, Task.task_id == task_id)
        )
        return (await session.scalars(query)).one()


async def test_a_batch_builds_the_task_and_keeps_every_event(apply, sessions, project) -> None:
    applied = await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 10, project=project),
        event(EventKind.FINISH, 20, project=project),
    )
    task = await task_in(sessions, project, "task-123")
    assert applied == 3
    assert (task.status, task.progress, task.duration_seconds) == ("completed", 100, 1800)
    assert await history_size(sessions, project) == 3


async def test_a_duplicate_event_id_changes_nothing(apply, sessions, project) -> None:
    event_id = uuid.uuid4()
    status = event(EventKind.STATUS, 10, project=project, event_id=event_id, progress=30)
    assert await apply(event(EventKind.START, 0, project=project), status, status) == 2

    replay = event(EventKind.STATUS, 20, project=project, event_id=event_id, progress=90)
    assert await apply(replay) == 0

    task = await task_in(sessions, project, "task-123")
    assert task.progress == 30
    assert await history_size(sessions, project) == 2


async def test_events_for_an_unknown_task_create_it(apply, sessions, project) -> None:
    await apply(event(EventKind.STATUS, 5, project=project, task_id="late", progress=10))
    task = await task_in(sessions, project, "late")
    assert (task.status, task.progress) == ("running", 10)


async def test_tasks_are_identified_within_their_project(apply, sessions, project) -> None:
    other = f"{project}-other"
    await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.ERROR, 5, project=other),
    )
    assert (await task_in(sessions, project, "task-123")).status == "running"
    assert (await task_in(sessions, other, "task-123")).status == "failed"


async def test_agent_is_the_one_of_the_newest_event(apply, sessions, project) -> None:
    await apply(event(EventKind.START, 0, project=project, agent="planner"))
    await apply(event(EventKind.STATUS, 5, project=project, agent="coder"))
    first = await task_in(sessions, project, "task-123")
    await apply(event(EventKind.STATUS, 1, project=project, agent="planner"))
    assert first.agent_id == (await task_in(sessions, project, "task-123")).agent_id


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def stories(project: str) -> list[AnyTaskEvent]:
    """Events of several tasks in the order they arrive: late and early ones, repeats, a status
    after the end, tasks that never started, and two agents."""
    start, status, finish, error = (
        EventKind.START,
        EventKind.STATUS,
        EventKind.FINISH,
        EventKind.ERROR,
    )
    repeated = event(status, 3, project=project, task_id="a", progress=40, timestamp=at(3))
    return [
        event(start, 0, project=project, task_id="a", timestamp=at(0)),
        repeated,
        event(status, 4, project=project, task_id="a", progress=20, timestamp=at(2)),
        repeated,
        event(finish, 5, project=project, task_id="a", duration_seconds=None, timestamp=at(9)),
        event(status, 6, project=project, task_id="a", progress=10, timestamp=at(10)),
        event(error, 1, project=project, task_id="b", timestamp=at(50)),
        event(start, 2, project=project, task_id="b", agent="coder", timestamp=at(20)),
        event(finish, 3, project=project, task_id="b", timestamp=at(40)),
        event(status, 7, project=project, task_id="c", progress=60, message="late start"),
        event(start, 8, project=project, task_id="c", metadata={"tries": 2}, timestamp=at(1)),
        event(status, 9, project=project, task_id="c", status="paused", agent="coder"),
    ]


async def task_states(sessions: async_sessionmaker[AsyncSession], project: str) -> dict:
    """What each task of `project` looks like, without its keys and bookkeeping times."""
    async with sessions() as session:
        query = select(Task).join(Project).where(Project.name == project).order_by(Task.task_id)
        tasks = (await session.scalars(query)).all()
    ignored = {"id", "project_id", "created_at", "updated_at"}
    return {
        task.task_id: {
            column.key: getattr(task, column.key)
            for column in Task.__mapper__.column_attrs
            if column.key not in ignored
        }
        for task in tasks
    }


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
async def test_a_batch_ends_as_its_events_applied_one_at_a_time(apply, sessions, seed) -> None:
    in_one_batch, one_at_a_time = f"batch-{uuid.uuid4().hex[:8]}", f"single-{uuid.uuid4().hex[:8]}"
    arrivals = stories(in_one_batch)
    if seed is not None:
        random.Random(seed).shuffle(arrivals)
    await apply(*arrivals)
    twin_ids: dict[uuid.UUID, uuid.UUID] = {}  # each project keeps a history of its own
    for item in arrivals:
        twin_id = twin_ids.setdefault(item.event_id, uuid.uuid4())
        payload = item.payload.model_copy(update={"project": one_at_a_time})
        await apply(item.model_copy(update={"event_id": twin_id, "payload": payload}))

    batch_states = await task_states(sessions, in_one_batch)
    assert batch_states == await task_states(sessions, one_at_a_time)
    if seed is None:
        assert {task_id: state["status"] for task_id, state in batch_states.items()} == {
            "a": "completed",
            "b": "failed",
            "c": "paused",
        }
    assert await history_size(sessions, in_one_batch) == len(arrivals) - 1


async def test_several_events_of_one_task_in_one_batch(apply, sessions, project) -> None:
    await apply(event(EventKind.START, 0, project=project))
    applied = await apply(
        event(EventKind.FINISH, 30, project=project, timestamp=at(30), duration_seconds=None),
        event(EventKind.STATUS, 40, project=project, progress=10),
        event(EventKind.START, 50, project=project, timestamp=at(-60)),
    )
    task = await task_in(sessions, project, "task-123")
    assert applied == 3
    assert (task.status, task.progress, task.started_at) == (
        "completed", 100, T0 - timedelta(seconds=60),
    )  # fmt: skip
    assert task.duration == 90


async def test_a_batch_of_known_events_writes_nothing(apply, sessions, project) -> None:
    events = [
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 5, project=project),
    ]
    await apply(*events)
    before = await task_in(sessions, project, "task-123")
    assert await apply(*events) == 0
    after = await task_in(sessions, project, "task-123")
    assert (after.updated_at, after.progress) == (before.updated_at, 75)


async def test_an_event_id_recorded_for_another_task_changes_nothing(apply, sessions, project):
    reused = uuid.uuid4()
    await apply(event(EventKind.START, 0, project=project, task_id="first", event_id=reused))
    applied = await apply(
        event(EventKind.FINISH, 5, project=project, task_id="second", event_id=reused),
        event(EventKind.STATUS, 6, project=project, task_id="second", progress=10),
    )
    second = await task_in(sessions, project, "second")
    assert applied == 1
    assert (second.status, second.progress) == ("running", 10)
    assert await history_size(sessions, project) == 2


async def test_batches_for_one_new_task_at_once_apply_in_turn(apply, sessions, project):
    async with sessions() as session, session.begin():
        await apply_events(session, [event(EventKind.START, 0, project=project)])
        later = asyncio.create_task(
            apply(event(EventKind.STATUS, 5, project=project, progress=30, message=None))
        )
        await asyncio.sleep(0.5)
        assert not later.done()  # it waits for this transaction's project
    assert await later == 1
    task = await task_in(sessions, project, "task-123")
    assert (task.status, task.progress, task.started_at, task.details) == (
        "running", 30, T0, {"priority": "high"},
    )  # fmt: skip
    assert await history_size(sessions, project) == 2


@pytest.mark.parametrize("join", ["nestloop", "hashjoin", "mergejoin"])
async def test_events_sharing_a_timestamp_keep_their_batch_order(sessions, project, join):
    # Clients often send whole seconds: a task's history must still read in the order its
    # events were sent, whichever way the database joins a batch to its tasks.
    tasks = [f"task-{n}" for n in range(3)]
    messages = [f"step {n}" for n in range(4)]
    batch = [
        event(EventKind.STATUS, 1, project=project, task_id=t, timestamp=at(1), message=m)
        for m in messages
        for t in tasks
    ]
    others = {"enable_nestloop", "enable_hashjoin", "enable_mergejoin"}
    others.remove(f"enable_{join}")
    async with sessions() as session, session.begin():
        await apply_events(
            session, [event(EventKind.START, 0, project=project, task_id=t) for t in tasks]
        )
    async with sessions() as session, session.begin():
        for setting in others:
            await session.execute(text(f"SET LOCAL {setting} = off"))
        await apply_events(session, batch)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Task.task_id, EventRecord.payload)
                .join(Task, Task.id == EventRecord.task_pk)
                .join(Project, Project.id == Task.project_id)
                .where(Project.name == project, EventRecord.kind == "status")
                .order_by(EventRecord.occurred_at, EventRecord.id)
            )
        ).all()
    for task_id in tasks:
        assert [p["message"] for t, p in rows if t == task_id] == messages
