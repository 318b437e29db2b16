"""Where a fitted parameter came from: the city, the scenario, the date and the code.

A parameter fitted to one city means little on another. Every fit records its
:class:`Provenance` -- the city by name, source and a digest of its content,
the scenario, the seed, when, and the project's version -- and a parameter
file carries it, so that a reader can tell what data stands behind a number.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

import twin
from twin.city import City

#: Arrays of a city that a fit can see: the drivable network and where people live.
_CITY_ARRAYS = ("x", "y", "edge_u", "edge_v", "edge_length", "edge_time", "edge_class")


def city_digest(city: City) -> str:
    """32 hex digits of SHA-256 over the city's drivable network, population weights,
    signal and crossing nodes: the same city content gives the same digest, whatever
    its source or cache entry."""
    digest = hashlib.sha256()
    arrays = [getattr(city.drive, name) for name in _CITY_ARRAYS]
    arrays += [city.population_weight, city.signal_nodes, city.crossing_nodes]
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Provenance:
    """What a fit saw.

    Attributes
    ----------
    city : str
        The city's name.
    city_source : str
        The source it was loaded from (``helsinki``, a file, ``synthetic:…``).
    city_digest : str
        :func:`city_digest` of its content.
    scenario : str
        Name of the scenario the fit ran (``""`` when fitted inside a run: the run's
        outputs record its scenario).
    seed : int
        Seed of the fit's model (it decides where people and units start).
    fitted_at : str
        When, ISO 8601 in UTC; ``""`` for a fit inside a run (the run's outputs say when).
    twin_version : str
        The project's version.
    reference : dict
        What the fit's data were, in the estimator's own words (e.g. which targets).
    """

    city: str
    city_source: str
    city_digest: str
    scenario: str = ""
    seed: int = 0
    fitted_at: str = ""
    twin_version: str = twin.__version__
    reference: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, city: City, *, scenario: str = "", seed: int = 0, dated: bool = False,
           **reference: Any) -> Provenance:
        """The provenance of a fit on ``city``; ``dated`` stamps it with the time now.

        A fit inside a run is not dated: its event must be the same in every run of
        the same seed (the run's outputs say when it ran).
        """
        fitted_at = datetime.now(UTC).isoformat(timespec="seconds") if dated else ""
        return cls(city=city.name, city_source=city.source, city_digest=city_digest(city), scenario=scenario,
                   seed=int(seed), fitted_at=fitted_at, reference=reference)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for a parameter file or an event)."""
        return asdict(self)
