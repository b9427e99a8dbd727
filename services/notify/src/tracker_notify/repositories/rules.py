"""Rules: which kinds of incident a project wants to hear of, and where."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..kinds import DEFAULT_RULES, RuleKind
from ..models import rules


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    enabled: bool
    after_minutes: int | None
    channel_ids: list[str]


def default_rule(kind: RuleKind) -> Rule:
    default = DEFAULT_RULES[kind]
    return Rule(kind, default.enabled, default.after_minutes, [])


async def project_rules(session: AsyncSession, project: str) -> list[Rule]:
    """Every kind's rule for the project, in `RuleKind` order; defaults where none was set."""
    rows = await session.execute(select(rules).where(rules.c.project == project))
    stored = {
        RuleKind(r.kind): Rule(RuleKind(r.kind), r.enabled, r.after_minutes, list(r.channel_ids))
        for r in rows
    }
    return [stored.get(kind) or default_rule(kind) for kind in RuleKind]


async def project_rule(session: AsyncSession, project: str, kind: RuleKind) -> Rule:
    row = (
        await session.execute(
            select(rules).where(rules.c.project == project, rules.c.kind == kind.value)
        )
    ).first()
    if row is None:
        return default_rule(kind)
    return Rule(kind, row.enabled, row.after_minutes, list(row.channel_ids))


async def set_rule(session: AsyncSession, project: str, rule: Rule) -> None:
    values = {
        "enabled": rule.enabled,
        "after_minutes": rule.after_minutes,
        "channel_ids": rule.channel_ids,
    }
    await session.execute(
        insert(rules)
        .values(project=project, kind=rule.kind.value, **values)
        .on_conflict_do_update(index_elements=["project", "kind"], set_=values)
    )
