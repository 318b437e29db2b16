"""Building blocks for the scenario sections of systems.

Every section is a :class:`StrictModel`: unknown keys are errors (the scenario
loader adds a did-you-mean). :class:`Duration` describes a random duration by
its distribution, mean and coefficient of variation, the way planners quote
them ("on scene 20 minutes on average, quite variable").

A scenario file is validated *as written* (context :data:`AS_WRITTEN`): a section
may then complete what a person wrote from its defaults, the way ``extends``
completes a file from its parent (``response.incident_types`` is merged over the
default table with :func:`merge_over`). A resolved scenario (a ``model_dump()``
carried by workers and stored runs) is validated without it and means exactly
what it says.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from twin.errors import TwinError
from twin.sim import policies
from twin.sim.budget import EVENTS_PER_INCIDENT
from twin.sim.system import Problem


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


#: Key of the validation context of a scenario as a person wrote it:
#: ``Scenario.model_validate(data, context={AS_WRITTEN: True})`` (the scenario loader does).
AS_WRITTEN = "as_written"


def as_written(info: ValidationInfo) -> bool:
    """Whether a validator runs on a scenario as a person wrote it, rather than on a resolved dump."""
    return bool(info.context and info.context.get(AS_WRITTEN))


def merge_over(base: Mapping[str, Any], written: Mapping[str, Any]) -> dict[str, Any]:
    """``written`` merged over ``base`` as ``extends`` merges files, where ``None`` (YAML ``null``) removes.

    Mappings merge key by key at every depth; any other value replaces; a key
    written as ``None`` is removed. Keys keep ``base``'s order, new keys follow
    in the order written.

    >>> merge_over({"a": {"x": 1, "y": 2}, "b": 1}, {"a": {"y": None, "z": 3}, "b": None, "c": 4})
    {'a': {'x': 1, 'z': 3}, 'c': 4}
    """
    merged = dict(base)
    for key, value in written.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping):
            below = merged.get(key)
            merged[key] = merge_over(below if isinstance(below, Mapping) else {}, value)
        else:
            merged[key] = value
    return merged


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and non-finite numbers, and is immutable.

    ``allow_inf_nan=False`` applies to every float the model validates, in nested
    models, lists, mappings and ``Annotated`` floats alike: YAML's ``.inf`` and
    ``.nan`` would otherwise pass every bound (``inf >= 0``) and fail hours into a run.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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


def _non_finite(value: Any, where: str = "") -> str | None:
    """The path (``".a[0]"``) of the first non-finite float inside ``value``, or ``None``."""
    if isinstance(value, float) and not math.isfinite(value):
        return where
    if isinstance(value, Mapping):
        items: Any = ((f".{key}", item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"[{i}]", item) for i, item in enumerate(value))
    else:
        return None
    for step, item in items:
        found = _non_finite(item, where + step)
        if found is not None:
            return found
    return None


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
        where = _non_finite(self.params)
        if where is not None:
            # Policies take their parameters as plain keywords: refuse .inf and .nan here, for all of them.
            raise ValueError(f"params{where}: must be a finite number")
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


def reported_type_problems(scenario: Any, path: str, incident_type: str, what: str) -> list[Problem]:
    """Mistakes in an incident type that a system reports to emergency response (``IncidentReported``).

    For a system's whole-scenario check. Without a ``response`` section there are
    none (nobody serves the reports). Otherwise the type must be one of
    ``response.incident_types``, with ``arrivals: external``: a ``poisson`` type is
    drawn by the response system as well, so its incidents would count twice.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    path : str
        Dotted path of the field naming the type (``"traffic.collisions.incident_type"``).
    incident_type : str
        The type the system reports.
    what : str
        What the system reports, for messages (``"the traffic system's collisions"``).
    """
    response = getattr(scenario, "response", None)
    if response is None:
        return []
    types = response.incident_types
    kind = types.get(incident_type)
    if kind is None:
        close = difflib.get_close_matches(incident_type, list(types), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(types)})"
        return [Problem(path, f"{what} are reported to emergency response as {incident_type!r}, which is not a "
                              f"type of response.incident_types{hint}")]
    if kind.arrivals != "external":
        return [Problem(f"response.incident_types.{incident_type}.arrivals",
                        f"is {kind.arrivals!r}, so emergency response draws {incident_type!r} incidents of its own "
                        f"as well as receiving {what} ({path}): set it to 'external'")]
    return []


def reported_incident_events(scenario: Any) -> float:
    """Events one incident that a system reports to emergency response (``IncidentReported``)
    sets off, for a system's :meth:`~twin.sim.system.System.estimate`: the report itself and,
    with a ``response`` section to serve it, the handling's
    (:data:`twin.sim.budget.EVENTS_PER_INCIDENT`)."""
    return 1.0 + (EVENTS_PER_INCIDENT if getattr(scenario, "response", None) is not None else 0.0)
