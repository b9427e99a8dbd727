"""`python -m tracker_query.dead_letters_cli` (`make dead-letters ARGS=...`): the dead letters,
for operators — list, show, summary, re-drive, discard.

It calls the API through the gateway with an admin key, like any other client: the gateway
checks the key and the scope, the access log records who did what, and the operator needs no
Redis address or password. The key is `--api-key`, else `API_KEY` (environment or `.env`), else
the one `make run` generated (`<LOCAL_DATA_DIR>/api-key`).

Exit codes: 0 done, 1 refused by the tracker (not found, bad filter, not an admin key) or the
tracker unreachable, 2 a usage error.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_URL = "http://localhost:8000"
PATH = "/api/dead-letters"
_REASON_WIDTH = 70


class CliSettings(BaseSettings):
    """Where the tracker is and the admin key, from the environment and `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    tracker_url: str = DEFAULT_URL
    api_key: SecretStr | None = None
    local_data_dir: Path = Path(".data")

    def key(self) -> str | None:
        if self.api_key is not None and self.api_key.get_secret_value():
            return self.api_key.get_secret_value()
        generated = self.local_data_dir / "api-key"
        return generated.read_text().strip() if generated.is_file() else None


@lru_cache
def _settings() -> CliSettings:
    return CliSettings()


class Refused(Exception):
    """The tracker said no, or could not be reached; the message says why."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    api_key = args.api_key or _settings().key()
    if not api_key:
        parser.error("no API key: set API_KEY (an admin key) or pass --api-key")
    if args.command in ("redrive", "discard"):
        _check_selection(parser, args)
    try:
        with httpx.Client(
            base_url=args.url, headers={"X-API-Key": api_key}, timeout=args.timeout
        ) as client:
            args.run(client, args)
    except Refused as refusal:
        print(f"dead-letters {args.command}: {refusal}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dead-letters",
        description="Events the tracker could not apply: list, inspect, re-drive, discard.",
    )
    parser.add_argument(
        "--url",
        default=_settings().tracker_url,
        help=f"the gateway (TRACKER_URL, default {DEFAULT_URL})",
    )
    parser.add_argument(
        "--api-key", help="an admin key (default: API_KEY; prefer it, flags show in ps)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="dead letters, newest first")
    _add_filters(listing)
    listing.add_argument("--limit", type=int, default=50, help="letters per page (1-500)")
    listing.add_argument("--cursor", help="where to continue: the cursor a page printed")
    listing.add_argument("--json", action="store_true", help="print the API's answer as is")
    listing.set_defaults(run=_list)

    show = commands.add_parser("show", help="one dead letter, with its event, as JSON")
    show.add_argument("id")
    show.set_defaults(run=_show)

    summary = commands.add_parser("summary", help="how many wait, and the oldest's age")
    summary.set_defaults(run=_summary)

    for name, verb in (("redrive", "put back on the events stream"), ("discard", "delete")):
        command = commands.add_parser(
            name, help=f"{verb}: the letters named, those a filter selects, or --all"
        )
        command.add_argument("ids", nargs="*", metavar="ID")
        _add_filters(command)
        command.add_argument("--all", action="store_true", help="every dead letter")
        command.add_argument("--limit", type=int, help="at most this many, oldest first")
        command.set_defaults(run=_redrive if name == "redrive" else _discard)
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", help="the reason contains this text (any case)")
    parser.add_argument("--project", help="events of this project")
    parser.add_argument("--since", help="failed at or after this ISO-8601 time (with offset)")
    parser.add_argument("--until", help="failed before this ISO-8601 time (with offset)")


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    named = {name: getattr(args, name) for name in ("reason", "project", "since", "until")}
    return {name: value for name, value in named.items() if value is not None}


def _check_selection(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    ways = sum((bool(args.ids), bool(_filters(args)), args.all))
    if ways != 1:
        parser.error(f"{args.command}: name IDs, or give filters, or --all (exactly one of them)")
    if args.ids and args.limit is not None:
        parser.error(f"{args.command}: --limit goes with filters or --all, not with IDs")


def _list(client: httpx.Client, args: argparse.Namespace) -> None:
    params = {**_filters(args), "limit": args.limit, "cursor": args.cursor}
    page = _call(client, "GET", PATH, params={k: v for k, v in params.items() if v is not None})
    if args.json:
        print(json.dumps(page, indent=2, ensure_ascii=False))
        return
    entries = page["entries"]
    for entry in entries:
        reason = " ".join(entry["reason"].split())
        if len(reason) > _REASON_WIDTH:
            reason = reason[: _REASON_WIDTH - 1] + "…"
        project = entry["project"] or "-"
        print(f"{entry['id']:<16} {entry['failed_at'][:19]:<19}  {project:<20} {reason}")
    print(f"{len(entries)} shown, {page['total']} dead letters in all", file=sys.stderr)
    if page["next_cursor"]:
        print(f"more: add --cursor {page['next_cursor']}", file=sys.stderr)


def _show(client: httpx.Client, args: argparse.Namespace) -> None:
    letter = _call(client, "GET", f"{PATH}/{args.id}")
    print(json.dumps(letter, indent=2, ensure_ascii=False))


def _summary(client: httpx.Client, args: argparse.Namespace) -> None:
    summary = _call(client, "GET", f"{PATH}/summary")
    if summary["count"]:
        age = summary["oldest_age_seconds"]
        print(f"{summary['count']} dead letters; the oldest failed {age} s ago")
    else:
        print("no dead letters")


def _redrive(client: httpx.Client, args: argparse.Namespace) -> None:
    if args.ids:
        for letter_id in args.ids:
            moved = _call(client, "POST", f"{PATH}/{letter_id}/redrive")
            print(f"re-driven {moved['id']} as entry {moved['entry_id']}")
        return
    answer = _call(client, "POST", f"{PATH}/redrive", json=_selection(args))
    print(f"re-driven {answer['redriven']} dead letters")


def _discard(client: httpx.Client, args: argparse.Namespace) -> None:
    if args.ids:
        for letter_id in args.ids:
            _call(client, "DELETE", f"{PATH}/{letter_id}")
            print(f"discarded {letter_id}")
        return
    answer = _call(client, "POST", f"{PATH}/discard", json=_selection(args))
    print(f"discarded {answer['discarded']} dead letters")


def _selection(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"all": True} if args.all else _filters(args)
    if args.limit is not None:
        body["limit"] = args.limit
    return body


def _call(client: httpx.Client, method: str, path: str, **options: Any) -> Any:
    try:
        response = client.request(method, path, **options)
    except httpx.HTTPError as error:
        raise Refused(f"the tracker at {client.base_url} cannot be reached: {error}") from None
    if response.status_code == 204:
        return None
    if response.is_success:
        return response.json()
    raise Refused(f"{response.status_code}: {_detail(response)}")


def _detail(response: httpx.Response) -> str:
    """The API's own words: `{"detail": "..."}` or a validation error naming the field."""
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return response.text or response.reason_phrase
    if isinstance(detail, list) and detail:
        first = detail[0]
        where = ".".join(str(part) for part in first.get("loc", [])[1:])
        return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return str(detail)


if __name__ == "__main__":
    sys.exit(main())
