import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import event
from tracker_contracts import EventKind
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
