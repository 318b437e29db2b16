"""Queries: the read-only questions one system answers for the others.

Systems never import each other. When one owns some state that others need
every tick (where people are, how long a road takes now), it *provides* a
query on the model, and the others *ask* it. A query is declared once, here,
like a clause of a contract: its name, what it returns (with units and the
array's dtype and length), and the keyword arguments it takes. Both sides use
the declared constant, never a string::

    from twin.sim.queries import PEOPLE_PER_NODE

    model.provide(PEOPLE_PER_NODE, self.people_per_node)       # population
    people = model.query(PEOPLE_PER_NODE, travelling=True)     # lighting

:meth:`CityModel.provide <twin.sim.model.CityModel.provide>` checks that the
provider's keyword parameters are the declared ones, and
:meth:`CityModel.query <twin.sim.model.CityModel.query>` checks the names of the
arguments and the returned array's dtype and length. Asking for a query that no
installed system provides is an error that says which scenario section would
provide it; a consumer with a documented fallback asks first with
:meth:`CityModel.lookup <twin.sim.model.CityModel.lookup>`.

Answers are read-only views of the provider's state for *now*: do not write to
them, and do not keep them across ticks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: What an array query may be indexed by: one value per node or per edge of ``city.drive``.
PER = ("drive node", "drive edge")


@dataclass(frozen=True, eq=False)
class Query:
    """The declaration of one query.

    Queries compare and hash by identity: a declaration is one object, shared by
    its provider and its consumers.

    Parameters
    ----------
    name : str
        The query's name, for messages and docs (``"people_per_node"``).
    returns : str
        What it returns, with units.
    arguments : mapping of str to str
        Keyword arguments it accepts → their meaning, type and default.
    dtype : str, optional
        The numpy dtype of the returned array (``"float64"``); None if it does not return an array.
    per : {"drive node", "drive edge"}, optional
        The returned array has one value per node (edge) of ``city.drive``.
    section : str
        The scenario section of the system that provides it (``"population"``), or ``""`` if unknown.
    """

    name: str
    returns: str
    arguments: Mapping[str, str] = field(default_factory=dict)
    dtype: str | None = None
    per: str | None = None
    section: str = ""
    names: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.per is not None and self.per not in PER:
            raise ValueError(f"query {self.name!r}: per must be one of {PER}, not {self.per!r}")
        object.__setattr__(self, "arguments", MappingProxyType(dict(self.arguments)))
        object.__setattr__(self, "names", frozenset(self.arguments))

    @property
    def shape(self) -> str:
        """The returned array in words, e.g. ``"float64 per drive edge"`` (``""`` if not an array)."""
        if self.dtype is None:
            return ""
        return f"{self.dtype} per {self.per}" if self.per else self.dtype

    def __str__(self) -> str:
        return self.name


# --- population ----------------------------------------------------------------------------------

PEOPLE_PER_NODE = Query(
    "people_per_node",
    returns="people standing at each drive node now (travellers at the last node passed, walkers at the "
            "nearest drive node), a count",
    arguments={
        "mode": '"drive" or "walk": count only drivers or only walkers (default None: everyone)',
        "travelling": "bool: count only people on their way somewhere, out on the street (default False)",
    },
    dtype="int32", per="drive node", section="population")

PEOPLE_COUNTS = Query(
    "people_counts",
    returns='dict of str to int: people at rest per activity ("home", "work", "other", "shelter"), '
            'travelling ("moving", "moving_drive", "moving_walk") and in all ("total")',
    section="population")

# --- emergency response ----------------------------------------------------------------------------

UNITS_PER_NODE = Query(
    "units_per_node",
    returns="units of one type at (or last passing) each drive node now, a count",
    arguments={"unit_type": 'str: a type of response.units (default "police")'},
    dtype="int32", per="drive node", section="response")

# --- traffic -------------------------------------------------------------------------------------

EDGE_TRAVEL_TIME_S = Query(
    "edge_travel_time_s",
    returns="travel time of every drive edge now, seconds: congestion plus the signal delay at its head, "
            "at least the free-flow edge_time",
    arguments={"emergency": "bool: for a vehicle with lights and sirens, which equipped signals (preemption on) "
                            "cost no delay (default False)"},
    dtype="float64", per="drive edge", section="traffic")

EDGE_VOLUME_VPH = Query(
    "edge_volume_vph",
    returns="background volume of every drive edge now, vehicles per hour",
    dtype="float64", per="drive edge", section="traffic")

# --- street lighting ------------------------------------------------------------------------------

LIGHT_LEVEL_PER_NODE = Query(
    "light_level_per_node",
    returns="light level at each drive node now, 0 (dark, or daytime) … 1 (full): the mean over the lit "
            "segments meeting there",
    dtype="float64", per="drive node", section="lighting")

CRIME_LIGHT_MULTIPLIER_PER_NODE = Query(
    "crime_light_multiplier_per_node",
    returns="night-time outdoor crime multiplier at each drive node now, from its light level "
            "(1 by day and on dark streets, below 1 where lit)",
    dtype="float64", per="drive node", section="lighting")

# --- crime ---------------------------------------------------------------------------------------

CRIME_INTENSITY_PER_NODE = Query(
    "crime_intensity_per_node",
    returns="expected crimes per hour at each drive node in the current tick, after guardians and light",
    dtype="float64", per="drive node", section="crime")

#: Every query declared here, by name (read-only).
QUERIES: Mapping[str, Query] = MappingProxyType({q.name: q for q in (
    PEOPLE_PER_NODE, PEOPLE_COUNTS, UNITS_PER_NODE, EDGE_TRAVEL_TIME_S, EDGE_VOLUME_VPH,
    LIGHT_LEVEL_PER_NODE, CRIME_LIGHT_MULTIPLIER_PER_NODE, CRIME_INTENSITY_PER_NODE)})
