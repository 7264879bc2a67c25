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


class CareTeam(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120)
    description: str | None = Field(None, max_length=400)
    phone: str | None = Field(None, max_length=40)
    hours: str | None = Field(None, max_length=120)


class Pathways(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(min_length=1, max_length=80)
    example: bool = False
    notice: str | None = Field(None, max_length=500)
    care_team: CareTeam | None = None
    tiers: dict[Tier, Pathway]

    @model_validator(mode="after")
    def _all_tiers(self) -> Pathways:
        missing = [t for t in TIERS if t not in self.tiers]
        if missing:
            raise ValueError(f"tiers is missing {', '.join(missing)}")
        if not any(r.phone for r in self.tiers["emergency"].resources):
            raise ValueError("tiers.emergency needs at least one resource with a phone number")
        return self


class PathwayOut(BaseModel):
    tier: Tier
    title: str
    message: str
    resources: list[Resource]


class HelpOut(BaseModel):
    region: str
    example: bool
    notice: str | None
    care_team: CareTeam | None
    tiers: list[PathwayOut]
