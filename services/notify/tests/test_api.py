"""The notifications API: shapes, masking, the secret shown once, rules with defaults, the
delivery log's pages, and who may read and change what."""

import uuid

import pytest

from tracker_contracts import KEY_NAME_HEADER, KEY_SCOPE_HEADER, PROJECTS_HEADER

SLACK = "https://hooks.slack.com/services/T0SECRET1/B0SECRET2/xyzSECRETtoken"


def base(project: str) -> str:
    return f"/api/projects/{project}/notifications"


@pytest.fixture
def project() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


async def test_a_webhook_channel_shows_its_secret_once_and_its_url_masked(notify, project) -> None:
    created = await notify.channel(
        project, name="ops hook", type="webhook", url="https://example.org/hooks/abcdefghijk/zz"
    )
    assert created["id"].startswith("ch_")
    assert len(created["id"]) == 25
    assert created["secret"].startswith("whsec_")
    assert created["target"] == "https://example.org/hooks/abcde…"
    assert created["last_delivery"] is None
    assert created["enabled"] is True

    shown = (await notify.api.get(f"{base(project)}/channels/{created['id']}")).json()
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = (await notify.api.get(f"{base(project)}/channels")).json()
    assert listed == {"items": [shown]}


async def test_a_slack_url_never_comes_back(notify, project) -> None:
    created = await notify.channel(project, name="slack", type="slack", url=SLACK)
    assert created["target"] == "https://hooks.slack.com/services/T0…"
    assert created.get("secret") is None
    every_answer = [
        created,
        (await notify.api.get(f"{base(project)}/channels")).json(),
        (await notify.api.get(f"{base(project)}/channels/{created['id']}")).json(),
        (
            await notify.api.patch(
                f"{base(project)}/channels/{created['id']}", json={"name": "renamed"}
            )
        ).json(),
    ]
    assert "SECRET" not in repr(every_answer)


async def test_an_email_channel_lists_its_recipients(notify, project) -> None:
    created = await notify.channel(
        project, name="mail", type="email", to=["a@example.org", "b@example.com"]
    )
    assert created["target"] == "a@example.org, b@example.com"
    changed = await notify.api.patch(
        f"{base(project)}/channels/{created['id']}",
        json={"to": ["c@example.net"], "enabled": False},
    )
    assert (changed.json()["target"], changed.json()["enabled"]) == ("c@example.net", False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "type": "webhook", "url": "ftp://example.org/x"}, "url"),
        ({"name": "", "type": "webhook", "url": "https://example.org/x"}, "name"),
        ({"name": "x", "type": "email", "to": ["not-an-address"]}, "to"),
        ({"name": "x", "type": "pager", "url": "https://example.org/x"}, "type"),
    ],
)
async def test_a_bad_channel_is_refused_naming_the_field(notify, project, body, field) -> None:
    refused = await notify.api.post(f"{base(project)}/channels", json=body)
    assert refused.status_code == 422
    assert field in refused.json()["detail"][0]["loc"]


async def test_a_channel_must_fit_its_type(notify, project) -> None:
    refused = await notify.api.post(
        f"{base(project)}/channels", json={"name": "x", "type": "email", "url": "https://e.org/"}
    )
    assert refused.status_code == 422
    hook = await notify.channel(project, name="h", type="webhook", url="https://e.org/h")
    wrong = await notify.api.patch(
        f"{base(project)}/channels/{hook['id']}", json={"to": ["a@b.org"]}
    )
    assert (wrong.status_code, wrong.json()["detail"][0]["loc"]) == (422, ["body", "to"])


async def test_channels_of_another_project_are_not_found(notify, project) -> None:
    hook = await notify.channel(project, name="h", type="webhook", url="https://e.org/h")
    other = f"{base('other-' + project)}/channels/{hook['id']}"
    assert (await notify.api.get(other)).status_code == 404
    assert (await notify.api.delete(other)).status_code == 404
    assert (await notify.api.delete(f"{base(project)}/channels/{hook['id']}")).status_code == 204
    assert (await notify.api.get(f"{base(project)}/channels/{hook['id']}")).status_code == 404


async def test_rules_list_every_kind_with_its_default(notify, project) -> None:
    rules = (await notify.api.get(f"{base(project)}/rules")).json()["items"]
    assert rules == [
        {"kind": "task_failed", "enabled": True, "after_minutes": None, "channel_ids": []},
        {"kind": "task_stale", "enabled": True, "after_minutes": None, "channel_ids": []},
        {"kind": "needs_input", "enabled": True, "after_minutes": 5, "channel_ids": []},
        {"kind": "task_finished", "enabled": False, "after_minutes": None, "channel_ids": []},
    ]


async def test_a_rule_is_set_and_checked(notify, project) -> None:
    hook = await notify.channel(project, name="h", type="webhook", url="https://e.org/h")
    rules = f"{base(project)}/rules"
    put = await notify.api.put(
        f"{rules}/needs_input",
        json={"enabled": True, "after_minutes": 15, "channel_ids": [hook["id"]]},
    )
    assert put.json() == {
        "kind": "needs_input",
        "enabled": True,
        "after_minutes": 15,
        "channel_ids": [hook["id"]],
    }
    kept = await notify.api.put(f"{rules}/needs_input", json={"enabled": False})
    assert (kept.json()["after_minutes"], kept.json()["channel_ids"]) == (15, [hook["id"]])
    listed = (await notify.api.get(rules)).json()["items"]
    assert listed[2] == kept.json()

    unknown = await notify.api.put(
        f"{rules}/task_failed", json={"enabled": True, "channel_ids": ["ch_nope"]}
    )
    assert (unknown.status_code, unknown.json()["detail"][0]["loc"]) == (
        422,
        ["body", "channel_ids"],
    )
    waits = await notify.api.put(f"{rules}/task_failed", json={"enabled": True, "after_minutes": 3})
    assert (waits.status_code, waits.json()["detail"][0]["loc"]) == (422, ["body", "after_minutes"])
    assert (await notify.api.put(f"{rules}/budget", json={"enabled": True})).status_code == 422


async def test_the_delivery_log_pages_newest_first(notify, project, receiver) -> None:
    hook = await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
    ids = []
    for _ in range(3):
        test = await notify.api.post(f"{base(project)}/channels/{hook['id']}/test")
        assert test.status_code == 202
        assert test.json()["kind"] == "test"
        assert test.json()["channel_name"] == "h"
        ids.append(test.json()["id"])
    first = (await notify.api.get(f"{base(project)}/deliveries?limit=2")).json()
    assert [d["id"] for d in first["items"]] == ids[::-1][:2]
    assert first["next_before"] == ids[1]
    rest = (await notify.api.get(f"{base(project)}/deliveries?limit=2&before={ids[1]}")).json()
    assert ([d["id"] for d in rest["items"]], rest["next_before"]) == ([ids[0]], None)
    filtered = await notify.api.get(f"{base(project)}/deliveries?status=bogus")
    assert filtered.status_code == 422


def identity(scope: str, projects: str | None = None) -> dict[str, str]:
    headers = {KEY_NAME_HEADER: "someone", KEY_SCOPE_HEADER: scope}
    if projects is not None:
        headers[PROJECTS_HEADER] = projects
    return headers


async def test_reading_takes_read_scope_and_changing_takes_admin(notify, project) -> None:
    channels = f"{base(project)}/channels"
    body = {"name": "h", "type": "webhook", "url": "https://e.org/h"}
    assert (await notify.api.get(channels, headers=identity("read"))).status_code == 200
    assert (await notify.api.get(channels, headers=identity("ingest"))).status_code == 403
    assert (await notify.api.post(channels, json=body, headers=identity("read"))).status_code == 403
    put = await notify.api.put(
        f"{base(project)}/rules/task_failed", json={"enabled": False}, headers=identity("read")
    )
    assert put.status_code == 403
    assert (
        await notify.api.post(channels, json=body, headers=identity("admin"))
    ).status_code == 201


async def test_a_key_limited_to_other_projects_finds_nothing(notify, project) -> None:
    channels = f"{base(project)}/channels"
    assert (
        await notify.api.get(channels, headers=identity("admin", "elsewhere"))
    ).status_code == 404
    assert (await notify.api.get(channels, headers=identity("read", project))).status_code == 200


async def test_requests_without_the_gateway_identity_are_refused(notify, project) -> None:
    bare = await notify.api.get(f"{base(project)}/channels", headers={KEY_NAME_HEADER: ""})
    assert bare.status_code in (200, 401)  # an empty name still counts as stamped
    direct = await notify.api.__class__(
        transport=notify.api._transport, base_url="http://notify"
    ).get(f"{base(project)}/channels")
    assert direct.status_code == 401


async def test_the_openapi_document_describes_the_outgoing_webhook(notify) -> None:
    document = (await notify.api.get("/openapi.json")).json()
    [operation] = document["webhooks"]["task-notification"].values()
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/NotificationPayload")
    payload = document["components"]["schemas"]["NotificationPayload"]
    assert set(payload["required"]) >= {"id", "type", "timestamp", "project", "summary"}
