"""Building blocks for the scenario sections of systems.

Every section is a :class:`StrictModel`: unknown keys are errors (the scenario
loader adds a did-you-mean). :class:`Duration` describes a random duration by
its distribution, mean and coefficient of variation, the way planners quote
them ("on scene 20 minutes on average, quite variable").
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from twin.errors import TwinError
from twin.sim import policies


def _integer_text(value: Any) -> Any:
    # JSON and YAML dumps turn integer mapping keys into strings ("1"); read them back.
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


#: An incident priority: 1 (most urgent) to 3. Also accepts "1".."3", as dumped mapping keys are.
Priority = Annotated[Literal[1, 2, 3], BeforeValidator(_integer_text)]


def _multipliers(values: list[float]) -> list[float]:
    if any(v < 0 for v in values) or sum(values) <= 0:
        raise ValueError("multipliers must be non-negative and not all zero")
    return values


#: Relative rates by hour of the day (24, from midnight) and by day of the week (7, Monday first).
HourProfile = Annotated[list[float], Field(min_length=24, max_length=24), AfterValidator(_multipliers)]
WeekdayProfile = Annotated[list[float], Field(min_length=7, max_length=7), AfterValidator(_multipliers)]


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(StrictModel):
    """A random duration in seconds.

    Attributes
    ----------
    distribution : {"fixed", "exponential", "lognormal", "gamma"}
    mean_s : float
        Mean, seconds (≥ 0).
    cv : float
        Coefficient of variation (standard deviation / mean); ignored by
        ``fixed`` (0) and ``exponential`` (1).
    """

    distribution: Literal["fixed", "exponential", "lognormal", "gamma"] = "lognormal"
    mean_s: float = Field(ge=0)
    cv: float = Field(default=0.5, ge=0)

    @model_validator(mode="after")
    def _positive_spread(self) -> Duration:
        if self.distribution in ("lognormal", "gamma") and self.cv == 0:
            raise ValueError(f"cv must be > 0 for a {self.distribution} distribution (use 'fixed' for none)")
        return self

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        """Draw durations (seconds)."""
        mean = self.mean_s
        if mean == 0 or self.distribution == "fixed":
            return np.full(size, mean) if size is not None else float(mean)
        if self.distribution == "exponential":
            return rng.exponential(mean, size)
        if self.distribution == "gamma":
            shape = 1.0 / self.cv**2
            return rng.gamma(shape, mean / shape, size)
        sigma2 = np.log1p(self.cv**2)  # lognormal with the given mean and cv
        return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size)


class PolicyChoice(StrictModel):
    """A policy of one concern by registered name, with its keyword parameters.

    Subclasses set ``concern`` (and a default ``name``). Validation builds the
    policy once, so an unknown name or a bad parameter is reported when the
    scenario is loaded, with its dotted path.
    """

    concern: ClassVar[str] = ""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _registered(self) -> PolicyChoice:
        try:
            policies.create(self.concern, self.name, self.params)
        except TwinError as exc:
            raise ValueError(str(exc)) from None
        except ValidationError as exc:  # the policy's own parameter model refused a value
            first = exc.errors()[0]
            where = ".".join(str(p) for p in ("params", *first["loc"]))
            if first["type"] == "extra_forbidden":
                known = ", ".join(type(policies.create(self.concern, self.name)).model_fields)
                raise ValueError(f"{where}: unknown parameter of {self.concern} policy {self.name!r} "
                                 f"(known: {known})") from None
            got = f", got {first['input']!r}" if first["type"] != "missing" and "input" in first else ""
            raise ValueError(f"{where}: {first['msg'].removeprefix('Value error, ')}{got}") from None
        return self
