"""The public OpenAPI document, built from the services' apps without running any of them.

At run time the gateway's portal serves `/openapi.json` by asking each service for its own
document and merging them (`tracker_gateway.portal.openapi.merge`). Here the same merge is fed
each service's `FastAPI.openapi()` straight from `create_app()`: the lifespan never runs, so
nothing connects to Redis or PostgreSQL. The result is checked in as `web/src/api/openapi.json`,
the input of the dashboard's generated API types (`make api-types`).

    python -m tools.openapi            # write the document
    python -m tools.openapi --check    # exit 1 when the checked-in document is stale

This module imports every service; nothing in the services imports it.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tracker_gateway.portal.app import create_app as create_portal
from tracker_gateway.portal.openapi import merge
from tracker_ingest.app import create_app as create_ingest
from tracker_notify.app import create_app as create_notify
from tracker_query.app import create_app as create_query
from tracker_realtime.app import create_app as create_realtime

DOCUMENT = Path(__file__).resolve().parents[1] / "web" / "src" / "api" / "openapi.json"


def build() -> dict[str, Any]:
    """The document the gateway serves at `/openapi.json` when every service answers."""
    services: dict[str, dict[str, Any] | None] = {
        "ingest": create_ingest().openapi(),
        "query": create_query().openapi(),
        "realtime": create_realtime().openapi(),
        "notify": create_notify().openapi(),
    }
    return merge(create_portal().openapi(), services)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--output", type=Path, default=DOCUMENT)
    arguments = parser.parse_args(argv)
    text = render(build())
    if not arguments.check:
        arguments.output.write_text(text, encoding="utf-8")
        return 0
    if arguments.output.is_file() and arguments.output.read_text(encoding="utf-8") == text:
        return 0
    print(f"{arguments.output} is stale: run `make api-types`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
