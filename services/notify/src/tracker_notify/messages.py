"""The words and shapes of a notification: its summary line, its payload, and how Slack and
email show it. Plain functions, free of I/O."""

from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from .kinds import HEADLINES, PAYLOAD_TYPES, RuleKind
from .payload import NotificationPayload, TaskInfo


def task_summary(kind: RuleKind, project: str, task: TaskInfo) -> str:
    return f"Task {task.title!r} ({task.task_id}) {HEADLINES[kind]} in project {project}"


def digest_summary(kind: RuleKind, project: str, folded: int) -> str:
    tasks = "task" if folded == 1 else "tasks"
    return f"And {folded} more {tasks} {HEADLINES[kind]} in project {project}"


def test_summary(project: str, channel_name: str) -> str:
    return f"Test notification for channel {channel_name!r} of project {project}"


def task_url(dashboard_url: str | None, project: str, task_id: str) -> str | None:
    if not dashboard_url:
        return None
    base = dashboard_url.rstrip("/")
    return f"{base}/projects/{quote(project, safe='')}/tasks/{quote(task_id, safe='')}"


def build_payload(
    *,
    delivery_id: str,
    kind: str,
    at: datetime,
    project: str,
    task: TaskInfo | None,
    summary: str,
    dashboard_url: str | None,
) -> NotificationPayload:
    return NotificationPayload(
        id=delivery_id,
        type=PAYLOAD_TYPES[kind],
        timestamp=at,
        project=project,
        task=task,
        summary=summary,
        url=task_url(dashboard_url, project, task.task_id) if task else None,
    )


def slack_body(payload: NotificationPayload) -> dict[str, Any]:
    """An incoming-webhook message: the summary as the fallback text, and blocks with the
    task's details and a link to it."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_escape(payload.summary)}*"}}
    ]
    if payload.task is not None:
        task = payload.task
        fields = [f"*Agent:* {_escape(task.agent)}", f"*Status:* {_escape(task.status)}"]
        if task.progress is not None:
            fields.append(f"*Progress:* {task.progress}%")
        blocks.append(
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]}
        )
        if task.last_message:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": _escape(task.last_message[:500])}],
                }
            )
    if payload.url:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{payload.url}|Open the task>"},
            }
        )
    return {"text": payload.summary, "blocks": blocks}


def _escape(text: str) -> str:
    """Slack's mrkdwn escapes: `&`, `<` and `>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def email_message(payload: NotificationPayload, sender: str, to: list[str]) -> EmailMessage:
    """A plain-text email; its Message-ID is made from the delivery's id, so a retry after a
    lost answer is recognisable as the same message."""
    message = EmailMessage()
    message["Subject"] = f"[Agent Task Tracker] {payload.summary}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Message-ID"] = f"<{payload.id}@agent-task-tracker>"
    lines = [payload.summary, ""]
    if payload.task is not None:
        task = payload.task
        lines += [f"Agent: {task.agent}", f"Status: {task.status}"]
        if task.progress is not None:
            lines.append(f"Progress: {task.progress}%")
        if task.last_message:
            lines.append(f"Last message: {task.last_message}")
    if payload.url:
        lines += ["", payload.url]
    message.set_content("\n".join(lines))
    return message
