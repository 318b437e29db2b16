"""The scenario schema: ``city``, ``run``, then one optional section per system.

The top-level model is composed at import time from the systems' own pydantic
sections (:data:`twin.scenario.systems.SYSTEMS`), so adding a system adds its
section to the schema without touching this file.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, create_model, field_validator, model_validator

from twin.city.sources import parse_source
from twin.errors import TwinError
from twin.scenario.systems import SYSTEMS
from twin.sim.config import StrictModel

_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_seconds(value: Any) -> Any:
    """``3600``, ``"90m"``, ``"24h"``, ``"1d"``, ``"1h30m"`` → seconds; anything else is left to pydantic."""
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = re.findall(r"(\d+(?:\.\d+)?)(min|s|m|h|d)", text)
        if parts and "".join(n + u for n, u in parts) == text:
            return sum(float(n) * _UNITS[u] for n, u in parts)
        raise ValueError(f"cannot read {value!r} as a duration; write seconds or e.g. '90m', '24h', '1d'")
    return value


Seconds = Annotated[float, BeforeValidator(parse_seconds)]


class CitySettings(StrictModel):
    """Scenario section ``city`` (a bare string is the ``source``)."""

    source: str = "helsinki"
    network: str = Field(default="drive", pattern="^(drive|drive_service)$")

    @field_validator("source")
    @classmethod
    def _known_kind(cls, source: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in source):
            raise ValueError("must not hold control characters (a NUL, a newline)")
        try:
            parse_source(source)
        except TwinError as exc:
            raise ValueError(str(exc)) from None
        return source


class RunSettings(StrictModel):
    """Scenario section ``run``: when, how long, and with which seed."""

    start: datetime = datetime(2026, 11, 2, 0, 0)
    duration: Seconds = Field(default=86400.0, gt=0, description="seconds, or '24h'")
    warmup: Seconds = Field(default=0.0, ge=0, description="seconds excluded from KPIs")
    seed: int = Field(default=1, ge=0)
    replications: int = Field(default=1, ge=1)
    sample_every: Seconds = Field(default=300.0, gt=0, description="DataCollector interval, seconds")
    timezone: str | None = Field(default=None, description="IANA zone of the clock, e.g. Europe/Helsinki "
                                 "(default: start's offset, else the hour nearest the city's longitude)")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {name!r} (use an IANA name such as 'Europe/Helsinki')") from None
        return name

    @model_validator(mode="after")
    def _warmup_inside(self) -> RunSettings:
        if self.warmup >= self.duration:
            raise ValueError(f"warmup ({self.warmup:g} s) must be shorter than duration ({self.duration:g} s)")
        return self


#: Longest scenario name: it names output folders (most file systems allow 255 bytes a component).
MAX_NAME = 100


def plain_name(name: str | None) -> str | None:
    """``name`` if it can name a folder under ``outputs/`` as it is, else ``ValueError``.

    A scenario's name becomes a folder name: it must be one plain component, not a path
    (no ``/`` or ``\\``, not ``.`` or ``..``), without control characters (NUL among them),
    without spaces at either end, and at most :data:`MAX_NAME` characters. It is refused
    rather than rewritten, so that the folder is named as the scenario says.
    """
    if name is None:
        return name
    bad = [c for c in name if ord(c) < 32 or ord(c) == 127]
    if not name.strip() or name in (".", "..") or "/" in name or "\\" in name or bad or name != name.strip():
        raise ValueError("must be a plain name for the output folder: not empty, no '/' or '\\', not '.' or '..', "
                         "no control characters, no spaces at either end")
    if len(name) > MAX_NAME:
        raise ValueError(f"must be at most {MAX_NAME} characters (it names the output folder), got {len(name):,}")
    return name


def _city(value: Any) -> Any:
    return {"source": value} if isinstance(value, str) else value


def scenario_model() -> type[StrictModel]:
    """The pydantic model of a whole scenario file."""
    sections: dict[str, Any] = {name: (cls.Config | None, None) for name, cls in SYSTEMS.items()}
    return create_model(
        "Scenario",
        __base__=StrictModel,
        name=(Annotated[str | None, AfterValidator(plain_name)], None),
        description=(str, ""),
        city=(Annotated[CitySettings, BeforeValidator(_city)], CitySettings()),
        run=(RunSettings, RunSettings()),
        **sections,
    )


Scenario = scenario_model()
