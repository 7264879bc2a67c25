from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

Tier = Literal["emergency", "urgent", "routine"]
TIERS: tuple[Tier, ...] = ("emergency", "urgent", "routine")


class Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str | None = Field(None, max_length=400)
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9+ ()-]+$")
    sms: str | None = Field(None, max_length=40, pattern=r"^[0-9+ ]+$")
    sms_text: str | None = Field(None, max_length=40)
    web: HttpUrl | None = None
    hours: str = Field(min_length=1, max_length=120)

    @property
    def tel(self) -> str | None:
        return self.phone.replace(" ", "").replace("(", "").replace(")", "").replace("-", "") if self.phone else None

    @property
    def sms_link(self) -> str | None:
        if not self.sms:
            return None
        number = self.sms.replace(" ", "")
        return f"sms:{number}" + (f"?body={self.sms_text}" if self.sms_text else "")


class Pathway(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    message: str = Field(min_length=1, max_length=1000)
    resources: list[Resource] = Field(min_length=1, max_length=12)


class ReplyTimes(BaseModel):
    """How fast the care team aims to reply, in words the patient reads: "within {urgent}"."""
    model_config = ConfigDict(extra="forbid")

    urgent: str = Field(min_length=1, max_length=80)
    emergency: str = Field(min_length=1, max_length=80)


class CareTeam(BaseModel):
    """The care team as patients are told about it (clinical-rules.md §6)."""
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str | None = Field(None, max_length=400)
    phone: str = Field(min_length=1, max_length=40, pattern=r"^[0-9+ ()-]+$")
    hours: str = Field(min_length=1, max_length=160)
    reply_times: ReplyTimes

    @property
    def tel(self) -> str:
        return "".join(c for c in self.phone if c.isdigit() or c == "+")

    def reply_time(self, tier: str) -> str | None:
        return getattr(self.reply_times, tier, None) if tier in ("urgent", "emergency") else None


class Pathways(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(min_length=1, max_length=120)   # the area the numbers are accurate for
    example: bool = False
    notice: str | None = Field(None, max_length=500)
    care_team: CareTeam
    tiers: dict[Tier, Pathway]

    @model_validator(mode="after")
    def _all_tiers(self) -> Pathways:
        missing = [t for t in TIERS if t not in self.tiers]
        if missing:
            raise ValueError(f"tiers is missing {', '.join(missing)}")
        if not any(r.phone for r in self.tiers["emergency"].resources):
            raise ValueError("tiers.emergency needs at least one resource with a phone number")
        return self


class CareTeamStatus(BaseModel):
    """What happened to the alert this page is about, computed from its routing and delivery
    (clinical-rules.md §4): notified, unreachable or seen."""
    status: Literal["notified", "unreachable", "seen", "dashboard_only"]
    message: str
    hours: str | None = None
    reply_time: str | None = None
    phone: str | None = None


class Section(BaseModel):
    """One tier's resources as shown on a page, most urgent tier first."""
    tier: Tier
    heading: str
    resources: list[Resource]


class PathwayOut(BaseModel):
    """What the patient is shown for a tier. `resources` holds this tier's resources and every
    lower tier's, most urgent first, each service once; urgent and emergency start with the
    emergency line (a more acute answer never gets less help)."""
    tier: Tier
    title: str
    message: str
    resources: list[Resource]
    sections: list[Section] = []
    care_team: CareTeamStatus | None = None


class HelpOut(BaseModel):
    region: str
    example: bool
    notice: str | None
    care_team: CareTeam
    tiers: list[PathwayOut]
    sections: list[Section] = []   # every service once, most urgent first (the help page)
