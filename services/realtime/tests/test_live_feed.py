"""The realtime service in process, reading a real Redis stream, with real WebSocket sessions."""

from decimal import Decimal

from redis.asyncio import Redis
from starlette.testclient import TestClient

from tests.factories import GATEWAY_IDENTITY, event
from tests.waiting import eventually
from tracker_contracts import (
    BudgetCrossedData,
    BudgetCrossedMessage,
    EventKind,
    TaskStaleData,
    TaskStaleMessage,
    notices_channel,
)
from tracker_localstack.ports import free_port
from tracker_localstack.redis import EmbeddedRedis
from tracker_realtime.app import create_app


def test_a_client_gets_its_project_in_the_seed_format_and_nothing_else(realtime, settings, publish):
    with realtime.websocket_connect("/webhook/ws?project=mine") as websocket:
        eventually(lambda: realtime.get("/api/websocket/stats").json()["total_connections"] == 1)
        publish(
            realtime,
            settings,
            event(EventKind.START, 0, project="other"),
            event(EventKind.START, 1, project="mine"),
            event(EventKind.STATUS, 2, project="mine", progress=40),
            event(EventKind.FINISH, 3, project="other"),
            event(EventKind.FINISH, 4, project="mine"),
            event(EventKind.ERROR, 5, project="mine", task_id="task-2"),
        )
        received = [websocket.receive_json() for _ in range(4)]

    assert [m["type"] for m in received] == [
        "task_started",
        "task_status",
        "task_finished",
        "task_error",
    ]
    started, status, finished, error = received
    assert started["data"] == {
        "task_id": "task-123",
        "title": "Разработка фичи",
        "project": "mine",
        "agent": "claude-3-5",
        "status": "running",
        "started_at": "2026-01-01T10:00:01Z",
    }
    assert started["timestamp"] == "2026-01-01T10:00:01Z"
    assert (status["data"]["progress"], status["data"]["message"]) == (40, "Обработка данных")
    assert finished["data"]["duration_seconds"] == 1800
    assert (finished["data"]["status"], finished["data"]["finished_at"]) == (
        "completed",
        "2026-01-01T10:00:04Z",
    )
    assert error["data"] == {
        "task_id": "task-2",
        "title": "Разработка фичи",
        "project": "mine",
        "agent": "claude-3-5",
        "status": "failed",
        "error_type": "RuntimeError",
        "error_message": "Ошибка выполнения",
    }


def test_a_client_without_project_gets_every_project(realtime, settings, publish):
    with realtime.websocket_connect("/webhook/ws") as websocket:
        eventually(lambda: realtime.get("/api/websocket/stats").json()["total_connections"] == 1)
        publish(
            realtime,
            settings,
            event(EventKind.START, 0, project="a"),
            event(EventKind.START, 1, project="b"),
        )
        projects = [websocket.receive_json()["data"]["project"] for _ in range(2)]
    assert projects == ["a", "b"]


def test_ping_is_answered(realtime):
    with realtime.websocket_connect("/webhook/ws?project=a") as websocket:
        websocket.send_text("ping")
        assert websocket.receive_text() == "pong"


def test_connection_stats_follow_connects_and_disconnects(realtime):
    def stats() -> dict:
        return realtime.get("/api/websocket/stats").json()

    with (
        realtime.websocket_connect("/webhook/ws?project=a"),
        realtime.websocket_connect("/webhook/ws?project=a&project=b"),
        realtime.websocket_connect("/webhook/ws"),
    ):
        eventually(
            lambda: stats() == {"total_connections": 3, "project_connections": {"a": 2, "b": 1}}
        )
    eventually(lambda: stats() == {"total_connections": 0, "project_connections": {}})


def test_started_without_redis_it_waits_and_then_relays(settings, publish, tmp_path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", free_port())
    settings = settings.model_copy(update={"redis_url": redis.url})
    with TestClient(create_app(settings), headers=GATEWAY_IDENTITY) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/feed-check").status_code == 503
        redis.start()
        try:
            eventually(lambda: client.get("/feed-check").status_code == 200)
            with client.websocket_connect("/webhook/ws?project=late") as websocket:
                publish(client, settings, event(EventKind.START, 0, project="late"))
                assert websocket.receive_json()["data"]["project"] == "late"
        finally:
            redis.stop()


def test_a_stale_notice_reaches_the_followers_of_its_project(realtime, settings) -> None:
    notice = TaskStaleMessage(
        data=TaskStaleData(
            task_id="t1",
            title="Quiet work",
            project="mine",
            agent="a",
            progress=40,
            last_event_at="2026-01-01T10:00:00Z",
        )
    )

    async def announce() -> None:
        async with Redis.from_url(str(settings.redis_url)) as redis:
            await redis.publish(notices_channel(settings.events_stream), notice.model_dump_json())

    with realtime.websocket_connect("/webhook/ws?project=mine") as mine:
        eventually(lambda: realtime.get("/api/websocket/stats").json()["total_connections"] == 1)
        assert realtime.portal is not None
        realtime.portal.call(announce)
        message = mine.receive_json()
    assert message["type"] == "task_stale"
    assert message["data"] == {
        "task_id": "t1",
        "title": "Quiet work",
        "project": "mine",
        "agent": "a",
        "status": "stale",
        "progress": 40,
        "last_event_at": "2026-01-01T10:00:00Z",
    }


def test_a_budget_notice_reaches_the_followers_of_its_project_only(realtime, settings) -> None:
    crossed = BudgetCrossedMessage(
        data=BudgetCrossedData(
            project="mine",
            period="month",
            period_start="2026-12-01",
            threshold_percent=80,
            amount=Decimal(500),
            spent=Decimal("412.5"),
            currency="USD",
            crossed_at="2026-12-03T10:00:00Z",
        )
    )
    then = TaskStaleMessage(
        data=TaskStaleData(
            task_id="t2",
            title="Quiet work",
            project="other",
            agent="a",
            progress=0,
            last_event_at="2026-12-03T10:00:00Z",
        )
    )

    async def announce() -> None:
        async with Redis.from_url(str(settings.redis_url)) as redis:
            for notice in (crossed, then):
                await redis.publish(
                    notices_channel(settings.events_stream), notice.model_dump_json()
                )

    with (
        realtime.websocket_connect("/webhook/ws?project=mine") as mine,
        realtime.websocket_connect("/webhook/ws?project=other") as other,
    ):
        eventually(lambda: realtime.get("/api/websocket/stats").json()["total_connections"] == 2)
        assert realtime.portal is not None
        realtime.portal.call(announce)
        message = mine.receive_json()
        # Notices are relayed in order: the other project's follower gets the later one first.
        assert other.receive_json()["type"] == "task_stale"
    assert message["type"] == "budget_crossed"
    assert message["data"] == {
        "project": "mine",
        "period": "month",
        "period_start": "2026-12-01",
        "threshold_percent": 80,
        "amount": 500,
        "spent": 412.5,
        "currency": "USD",
        "crossed_at": "2026-12-03T10:00:00Z",
    }
