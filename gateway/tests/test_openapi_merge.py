from tracker_gateway.portal.openapi import merge

PORTAL = {
    "openapi": "3.1.0",
    "info": {"title": "Agent Task Tracker", "version": "1"},
    "paths": {"/health": {"get": {"summary": "system health"}}},
}


def service(paths: dict, schemas: dict | None = None) -> dict:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas or {}}}


def test_public_paths_of_every_service_are_merged_and_protected_ones_secured() -> None:
    merged = merge(
        PORTAL,
        {
            "ingest": service(
                {
                    "/webhook/start": {"post": {"responses": {"202": {}}}},
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
    assert merged["components"]["schemas"] == {"StartWebhook": {"type": "object"}}
    assert "APIKeyHeader" in merged["components"]["securitySchemes"]


def test_a_silent_service_is_named_in_the_description() -> None:
    merged = merge(PORTAL, {"ingest": None, "query": service({})})
    assert "ingest" in merged["info"]["description"]
    assert "/webhook/start" not in merged["paths"]
