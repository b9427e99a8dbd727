from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from .deps import Session

router = APIRouter(tags=["health"])


@router.get("/health", summary="The query process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/db-check",
    summary="PostgreSQL answers and the event consumer is running",
    responses={503: {"description": "The database or the consumer is down."}},
)
async def db_check(request: Request, session: Session) -> JSONResponse:
    try:
        await session.execute(text("SELECT 1"))
        database = "connected"
    except Exception:
        database = "unreachable"
    consumer = request.app.state.consumer.state
    healthy = database == "connected" and consumer == "running"
    return JSONResponse(
        {"status": "ok" if healthy else "error", "database": database, "consumer": consumer},
        status_code=200 if healthy else 503,
    )
