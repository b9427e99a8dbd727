from tracker_gateway.portal.openapi import merge

PORTAL = {
    "openapi": "3.1.0",
    "info": {"title": "Agent Task Tracker", "version": "1"},
    "paths": {"/health": {"get": {"summary": "system health"}}},
}


STARTED = {
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StartWebhook"}}}
}


def service(paths: dict, schemas: dict | None = None) -> dict:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas or {}}}


def test_public_paths_of_every_service_are_merged_and_protected_ones_secured() -> None:
    merged = merge(
        PORTAL,
        {
            "ingest": service(
                {
                    "/webhook/start": {"post": {"requestBody": STARTED, "responses": {"202": {}}}},
                    "/health": {"get": {"summary": "ingest alive"}},
                    "/redis-check": {"get": {}},
                },
                {"StartWebhook": {"type": "object"}},
            ),
            "query": service({"/api/stats": {"get": {"responses": {"200": {}}}}}),
        },
    )
    assert set(merged["paths"]) == {
        "/health",
        "/webhook/start",
        "/redis-check",
        "/api/stats",
        "/webhook/ws",
    }
    assert merged["paths"]["/health"]["get"]["summary"] == "system health"
    assert merged["paths"]["/api/stats"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert "401" in merged["paths"]["/webhook/start"]["post"]["responses"]
    assert "security" not in merged["paths"]["/redis-check"]["get"]
    assert merged["components"]["schemas"]["StartWebhook"] == {"type": "object"}
    assert "APIKeyHeader" in merged["components"]["securitySchemes"]


def _json(schema: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _health_of(schema: str) -> dict:
    return {"get": {"responses": {"200": _json(schema)}}}


def test_only_schemas_the_public_paths_and_webhooks_use_are_merged() -> None:
    """Each service's own /health and /ready stay out, and so do their schemas: two services
    may name theirs alike, and the one merged last would replace the other's."""
    merged = merge(
        PORTAL,
        {
            "query": service(
                {"/health": _health_of("HealthOut"), "/api/tasks": _health_of("Tasks")},
                {
                    "HealthOut": {"title": "query"},
                    "Tasks": {"items": {"$ref": "#/components/schemas/Task"}},
                    "Task": {"type": "object"},
                },
            ),
            "notify": {
                **service(
                    {"/health": _health_of("HealthOut"), "/ready": _health_of("ReadyOut")},
                    {"HealthOut": {"title": "notify"}, "ReadyOut": {}, "Sent": {}},
                ),
                "webhooks": {"task.failed": {"post": {"requestBody": _json("Sent")}}},
            },
        },
    )
    assert set(merged["components"]["schemas"]) == {"Tasks", "Task", "Sent", "ErrorDetail"}
    assert set(merged["paths"]) == {"/health", "/api/tasks", "/webhook/ws"}
    assert set(merged["webhooks"]) == {"task.failed"}
    assert "security" not in merged["webhooks"]["task.failed"]["post"]


def test_a_silent_service_is_named_in_the_description() -> None:
    merged = merge(PORTAL, {"ingest": None, "query": service({})})
    assert "ingest" in merged["info"]["description"]
    assert "/webhook/start" not in merged["paths"]


ERROR_REF = {"$ref": "#/components/schemas/ErrorDetail"}


def json_error(response: dict) -> dict:
    return response["content"]["application/json"]["schema"]


def test_protected_operations_document_the_gateways_own_refusals() -> None:
    merged = merge(
        PORTAL,
        {
            "query": service(
                {
                    "/api/stats": {"get": {"responses": {"200": {}}}},
                    "/db-check": {"get": {"responses": {"200": {}}}},
                }
            )
        },
    )
    responses = merged["paths"]["/api/stats"]["get"]["responses"]
    assert set(responses) == {"200", "401", "403", "429"}
    assert json_error(responses["401"]) == ERROR_REF
    assert json_error(responses["403"]) == ERROR_REF
    # Traefik's rate limiter answers plain text without a Content-Type: no content to promise.
    assert "content" not in responses["429"]
    assert "Retry-After" in responses["429"]["headers"]
    assert set(merged["paths"]["/db-check"]["get"]["responses"]) == {"200"}
    assert merged["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    websocket = merged["paths"]["/webhook/ws"]["get"]["responses"]
    assert {"401", "403", "429"} <= set(websocket)


def test_webhooks_document_unreadable_and_oversized_bodies() -> None:
    body = {"content": {"application/json": {"schema": {"$ref": "#/x"}}}}
    merged = merge(
        PORTAL,
        {
            "ingest": service(
                {
                    "/webhook/start": {
                        "post": {"requestBody": body, "responses": {"202": {}}},
                        "parameters": [],
                    },
                    "/webhook/stop": {"get": {"responses": {"200": {}}}},
                }
            )
        },
    )
    responses = merged["paths"]["/webhook/start"]["post"]["responses"]
    assert json_error(responses["400"]) == ERROR_REF
    assert "content" not in responses["413"]
    assert merged["paths"]["/webhook/start"]["parameters"] == []
    assert not {"400", "413"} & set(merged["paths"]["/webhook/stop"]["get"]["responses"])


def test_a_status_the_service_documents_too_keeps_its_own_description_and_content() -> None:
    own_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    merged = merge(
        PORTAL,
        {
            "ingest": service(
                {
                    "/webhook/start": {
                        "post": {
                            "responses": {
                                "403": {"description": "Not for this project."},
                                "401": {"description": "x", "content": own_content},
                            }
                        }
                    }
                }
            )
        },
    )
    responses = merged["paths"]["/webhook/start"]["post"]["responses"]
    assert responses["403"]["description"].endswith("Not for this project.")
    assert responses["403"]["description"] != "Not for this project."
    assert json_error(responses["403"]) == ERROR_REF
    assert responses["401"]["content"] == own_content
