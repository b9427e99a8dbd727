"""The `422` answer to a request that failed validation, whatever the request held.

FastAPI's own answer echoes each error's input, and cannot encode every input: a lone
surrogate (`"\\ud800"`, valid JSON, not encodable as UTF-8) or a NaN turns the `422` into a
`500`. This answer is FastAPI's whenever it can be encoded; otherwise the same errors without
their inputs, with unencodable characters in the field names written as escapes.
"""

import json
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response


async def invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    try:
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        pass
    detail = [
        {
            "type": entry["type"],
            "loc": [encodable(part) for part in entry["loc"]],
            "msg": encodable(entry["msg"]),
        }
        for entry in errors
    ]
    return Response(json.dumps({"detail": detail}), 422, media_type="application/json")


def encodable(part: Any) -> Any:
    """`part`, with what UTF-8 cannot encode (lone surrogates) written as backslash escapes."""
    if isinstance(part, str):
        return part.encode("utf-8", "backslashreplace").decode()
    return part
