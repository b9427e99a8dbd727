"""The bodies of the notifications API."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, model_validator

from ..kinds import RuleKind

ChannelType = Literal["webhook", "slack", "email"]
DeliveryStatus = Literal["pending", "retrying", "sent", "failed"]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Url = Annotated[AnyHttpUrl, Field(description="http(s) only; kept secret, shown masked.")]
Recipients = Annotated[list[EmailStr], Field(min_length=1, max_length=20)]


class LastDeliveryOut(BaseModel):
    status: DeliveryStatus
    at: datetime
    response_code: int | None


class ChannelOut(BaseModel):
    id: str = Field(examples=["ch_3q2Yl8sJk1n0p4VbQm7w1A"])
    name: str
    type: ChannelType
    enabled: bool
    target: str = Field(
        description="webhook and slack: the URL with its path cut short after the host "
        "(the full URL is never shown again); email: the addresses.",
        examples=["https://hooks.slack.com/services/T0…"],
    )
    created_at: datetime
    last_delivery: LastDeliveryOut | None


class CreatedChannelOut(ChannelOut):
    secret: str | None = Field(
        default=None,
        description="webhook only: the signing secret, shown this once.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    type: ChannelType
    url: Url | None = Field(default=None, description="webhook and slack: where to post.")
    to: Recipients | None = Field(default=None, description="email: the recipients.")
    enabled: bool = True

    @model_validator(mode="after")
    def _target_fits_type(self) -> Self:
        if self.type == "email":
            if self.to is None or self.url is not None:
                raise ValueError("an email channel takes `to` (a list of addresses), not `url`")
        elif self.url is None or self.to is not None:
            raise ValueError(f"a {self.type} channel takes `url`, not `to`")
        return self


class ChannelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    enabled: bool | None = None
    url: Url | None = None
    to: Recipients | None = None


class ChannelsOut(BaseModel):
    items: list[ChannelOut]


class RuleOut(BaseModel):
    kind: RuleKind
    enabled: bool
    after_minutes: int | None = Field(description="needs_input only: minutes of waiting first.")
    channel_ids: list[str] = Field(description="Empty: every enabled channel of the project.")


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    after_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    channel_ids: list[str] | None = Field(default=None, max_length=100)


class RulesOut(BaseModel):
    items: list[RuleOut]


class DeliveryOut(BaseModel):
    id: str = Field(examples=["dl_18c2f4a1b2c3a9f0e1d2c3b"])
    channel_id: str
    channel_name: str
    kind: RuleKind | Literal["test"]
    task_id: str | None
    status: DeliveryStatus
    attempts: int
    response_code: int | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    summary: str


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]
    next_before: str | None = Field(description="Pass as `before` for the next (older) page.")
