from pathlib import Path

import pytest

from tools.openapi import DOCUMENT, build, main


def test_check_refuses_a_stale_document_until_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "openapi.json"
    assert main(["--check", "--output", str(output)]) == 1
    output.write_text(DOCUMENT.read_text(encoding="utf-8").replace("Agent Task Tracker", "Other"))
    assert main(["--check", "--output", str(output)]) == 1
    assert "run `make api-types`" in capsys.readouterr().err

    assert main(["--output", str(output)]) == 0
    assert main(["--check", "--output", str(output)]) == 0


def test_the_document_covers_every_service_as_the_gateway_serves_it() -> None:
    document = build()
    assert "Incomplete" not in document["info"].get("description", "")
    assert {
        "/health",  # the portal's, for the whole system
        "/webhook/start",  # ingest
        "/webhook/batch",
        "/api/projects/{project_name}/tasks",  # query
        "/api/stats",
        "/api/websocket/stats",  # realtime
        "/api/projects/{project}/notifications/channels",  # notify
        "/api/projects/{project}/notifications/deliveries",
        "/webhook/ws",  # described by the portal
    } <= set(document["paths"])
    start = document["paths"]["/webhook/start"]["post"]
    assert start["security"] == [{"APIKeyHeader": []}]
    assert {"401", "403", "413", "429"} <= set(start["responses"])
    assert {"TaskOut", "StatsOut", "ErrorDetail", "ChannelOut"} <= set(
        document["components"]["schemas"]
    )
    assert "/ready" not in document["paths"]  # each service's own, never through the gateway
