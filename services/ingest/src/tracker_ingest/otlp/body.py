"""An OTLP/HTTP request body in, an OTLP/HTTP answer out, as the OTLP specification frames them.

Bodies are protobuf (`application/x-protobuf`) or the OTLP JSON mapping (`application/json`),
optionally gzip-compressed (`Content-Encoding: gzip`); both encodings are read and written with
the official `opentelemetry-proto` classes (JSON through `google.protobuf.json_format`). An
answer is encoded as its request was. Sizes are bounded twice: the body as it arrives, and what
gzip inflates it to, decompressed in bounded steps, so a small body that would inflate to
gigabytes (a zip bomb) is refused with 413 after at most the limit plus one step of memory.
"""

import base64
import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

M = TypeVar("M", bound=Message)


class Encoding(StrEnum):
    PROTOBUF = "application/x-protobuf"
    JSON = "application/json"


class BodyRefused(Exception):
    """The body cannot be read: `status` says why (400, 413 or 415)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    body_bytes: int
    """Most bytes of the body as sent (compressed or not)."""
    decompressed_bytes: int
    """Most bytes a gzip body may inflate to."""


_INFLATE_STEP = 256 * 1024


def encoding_of(content_type: str | None) -> Encoding:
    """The encoding a `Content-Type` names; 415 for any other."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        return Encoding(media_type)
    except ValueError:
        raise BodyRefused(
            415,
            f"Unsupported Content-Type '{media_type}': send {Encoding.PROTOBUF} or "
            f"{Encoding.JSON}.",
        ) from None


async def read_body(
    chunks: AsyncIterator[bytes], content_encoding: str | None, limits: Limits
) -> bytes:
    """The request body, inflated when gzip-encoded; 413 past either limit, 415 for another
    content encoding, 400 for a broken gzip stream."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limits.body_bytes:
            raise BodyRefused(413, f"The body is larger than {limits.body_bytes} bytes.")
    coding = (content_encoding or "identity").strip().lower()
    if coding == "identity":
        return bytes(body)
    if coding != "gzip":
        raise BodyRefused(415, f"Unsupported Content-Encoding '{coding}': send gzip or none.")
    return _gunzip(bytes(body), limits.decompressed_bytes)


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    inflated = bytearray()
    pending = data
    try:
        while pending and not inflater.eof:
            inflated += inflater.decompress(pending, _INFLATE_STEP)
            if len(inflated) > limit:
                raise BodyRefused(413, f"The body inflates to more than {limit} bytes.")
            pending = inflater.unconsumed_tail
    except zlib.error as broken:
        raise BodyRefused(400, f"The gzip body cannot be decompressed: {broken}.") from None
    if not inflater.eof:
        raise BodyRefused(400, "The gzip body is truncated.")
    return bytes(inflated)


def decode(message_type: type[M], body: bytes, encoding: Encoding) -> M:
    """The export request in `body`; 400 when it is not one."""
    message = message_type()
    try:
        if encoding is Encoding.PROTOBUF:
            message.ParseFromString(body)
        else:
            document = json.loads(body)
            if not isinstance(document, dict):
                raise BodyRefused(400, "The body is not an OTLP JSON export: not a JSON object.")
            json_format.ParseDict(document, message, ignore_unknown_fields=True)
            _ids_from_hex(message)
    except (DecodeError, json_format.ParseError, ValueError, RecursionError) as bad:
        raise BodyRefused(400, f"The body is not an OTLP {message_type.__name__}: {bad}") from None
    return message


def _ids_from_hex(message: Message) -> None:
    """OTLP JSON writes trace and span ids in hex where protobuf's JSON mapping expects base64:
    the parser read the hex digits as base64 (32 digits → 24 bytes, 16 → 12), which is undone
    exactly, so an export's JSON and protobuf decode to the same message (and the same event
    ids). Exemplars' ids are left as read: no mapping reads them."""
    if isinstance(message, ExportTraceServiceRequest):
        for resource_spans in message.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    span.trace_id = _hex_id(span.trace_id)
                    span.span_id = _hex_id(span.span_id)
                    span.parent_span_id = _hex_id(span.parent_span_id)
                    for link in span.links:
                        link.trace_id = _hex_id(link.trace_id)
                        link.span_id = _hex_id(link.span_id)
    elif isinstance(message, ExportLogsServiceRequest):
        for resource_logs in message.resource_logs:
            for scope_logs in resource_logs.scope_logs:
                for record in scope_logs.log_records:
                    record.trace_id = _hex_id(record.trace_id)
                    record.span_id = _hex_id(record.span_id)


def _hex_id(misread: bytes) -> bytes:
    if not misread:
        return misread
    try:
        return bytes.fromhex(base64.b64encode(misread).decode())
    except ValueError:
        raise BodyRefused(400, "Trace and span ids must be hexadecimal in OTLP JSON.") from None


def encode(message: Message, encoding: Encoding) -> bytes:
    if encoding is Encoding.PROTOBUF:
        return message.SerializeToString()
    return json_format.MessageToJson(message, indent=None).encode()


def status_body(code: int, message: str, encoding: Encoding) -> bytes:
    """The `google.rpc.Status` an OTLP error answer carries."""
    return encode(Status(code=code, message=message), encoding)
