"""`/api/projects/{project}/notifications/rules`: which incidents a project hears of, and
where; every kind is listed, with its default until the project sets it."""

from fastapi import APIRouter

from ..errors import Invalid
from ..kinds import RuleKind
from ..repositories.channels import list_channels
from ..repositories.rules import Rule, project_rule, project_rules, set_rule
from .access import ReadableProject, WritableProject
from .deps import Session
from .schemas import RuleIn, RuleOut, RulesOut

router = APIRouter(prefix="/api/projects/{project}/notifications", tags=["notifications"])


def rule_out(rule: Rule) -> RuleOut:
    return RuleOut.model_validate(rule, from_attributes=True)


@router.get("/rules", summary="Every kind's rule, defaults filled in", response_model=RulesOut)
async def rules(project: ReadableProject, session: Session) -> RulesOut:
    return RulesOut(items=[rule_out(r) for r in await project_rules(session, project)])


@router.put("/rules/{kind}", summary="Set one kind's rule", response_model=RuleOut)
async def put_rule(
    project: WritableProject, kind: RuleKind, body: RuleIn, session: Session
) -> RuleOut:
    async with session.begin():
        current = await project_rule(session, project, kind)
        after_minutes = current.after_minutes
        if "after_minutes" in body.model_fields_set:
            if kind != RuleKind.NEEDS_INPUT and body.after_minutes is not None:
                raise Invalid("after_minutes", f"only needs_input rules wait; {kind} does not")
            after_minutes = body.after_minutes
            if kind == RuleKind.NEEDS_INPUT and after_minutes is None:
                raise Invalid("after_minutes", "a needs_input rule needs minutes (0: at once)")
        channel_ids = current.channel_ids if body.channel_ids is None else body.channel_ids
        known = {c.id for c in await list_channels(session, project)}
        if unknown := sorted(set(channel_ids) - known):
            raise Invalid("channel_ids", f"not channels of project {project}: {unknown}")
        rule = Rule(kind, body.enabled, after_minutes, list(dict.fromkeys(channel_ids)))
        await set_rule(session, project, rule)
    return rule_out(rule)
