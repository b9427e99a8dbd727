from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AgentNotFound
from ..repositories.agents import AgentSummary, summarize_agents
from .access import AllowedProjects
from .deps import ReadingSession

router = APIRouter(prefix="/api/agents", tags=["agents"])


class AgentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "claude-3-5",
                    "first_seen": "2024-01-01T10:00:00Z",
                    "last_seen": "2024-01-02T18:30:00Z",
                    "projects": ["my-project"],
                    "total_tasks": 42,
                    "active_tasks": 2,
                    "completed_tasks": 36,
                    "failed_tasks": 4,
                    "success_rate": 0.9,
                }
            ]
        }
    )

    name: str
    first_seen: datetime = Field(
        description=(
            "When the agent was first recorded; for a key limited to projects, its first task "
            "recorded in them."
        )
    )
    last_seen: datetime = Field(
        description=(
            "Time of the agent's latest event; for a key limited to projects, of the latest "
            "event of its tasks in them."
        )
    )
    projects: list[str]
    total_tasks: int
    active_tasks: int
    completed_tasks: int
    failed_tasks: int
    success_rate: float | None = Field(
        description="Completed among finished tasks, 0-1; null before any finished."
    )


def _agent_out(agent: AgentSummary) -> AgentOut:
    return AgentOut(**vars(agent), success_rate=agent.success_rate)


@router.get(
    "", summary="Every agent with its projects and task outcomes", response_model=list[AgentOut]
)
async def get_agents(session: ReadingSession, allowed: AllowedProjects) -> list[AgentOut]:
    return [_agent_out(agent) for agent in await summarize_agents(session, allowed)]


@router.get(
    "/{name}",
    summary="One agent with its projects and task outcomes",
    response_model=AgentOut,
    responses={404: {"description": "No agent with that name."}},
)
async def get_agent(name: str, session: ReadingSession, allowed: AllowedProjects) -> AgentOut:
    found = await summarize_agents(session, allowed, name)
    if not found:
        raise AgentNotFound(name)
    return _agent_out(found[0])
