"""Declared queries: providing, asking, checking, and the declarations against the real providers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from twin.city import City, load
from twin.errors import TwinError
from twin.experiments.run import build_model
from twin.scenario import load_scenario
from twin.sim.model import CityModel
from twin.sim.queries import EDGE_TRAVEL_TIME_S, PEOPLE_COUNTS, PEOPLE_PER_NODE, QUERIES, UNITS_PER_NODE, Query

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

#: A query no built-in system provides, declared the way a plug-in system would.
WIND = Query("wind_per_node", returns="wind speed at each drive node now, m/s",
             arguments={"height_m": "float: above the ground (default 10)"}, dtype="float64", per="drive node")


@pytest.fixture(scope="module")
def city() -> City:
    return load("synthetic:nodes=100,seed=1")


@pytest.fixture
def model(city: City) -> CityModel:
    return CityModel(city, start=datetime(2026, 11, 2), seed=1, duration_s=3600.0)


def people(mode: str | None = None, travelling: bool = False) -> np.ndarray:
    return np.zeros(100, dtype=np.int32)


def test_a_query_answers_with_the_providers_own_array_and_arguments(model: CityModel) -> None:
    assert model.city.drive.n_nodes == 100
    calls = []
    answer = np.arange(100, dtype=np.int32)

    def provider(mode: str | None = None, travelling: bool = False) -> np.ndarray:
        calls.append((mode, travelling))
        return answer

    model.provide(PEOPLE_PER_NODE, provider)
    assert model.query(PEOPLE_PER_NODE) is answer  # no copy: queries are read every tick
    assert model.query(PEOPLE_PER_NODE, travelling=True, mode="walk") is answer
    assert calls == [(None, False), ("walk", True)]


def test_an_undeclared_argument_is_refused_by_name(model: CityModel) -> None:
    model.provide(PEOPLE_PER_NODE, people)
    with pytest.raises(TypeError, match=r"'people_per_node' takes no argument 'moving'.*'mode', 'travelling'"):
        model.query(PEOPLE_PER_NODE, moving=True)
    with pytest.raises(TypeError):
        model.query(PEOPLE_PER_NODE, "walk")  # arguments are keywords


@pytest.mark.parametrize("provider", [
    lambda: np.zeros(100, dtype=np.int32),                                   # takes none
    lambda mode=None: np.zeros(100, dtype=np.int32),                         # one missing
    lambda mode=None, travelling=False, extra=1: np.zeros(100, dtype=np.int32),  # one too many
    lambda **kwargs: np.zeros(100, dtype=np.int32),                          # not checkable
], ids=["none", "missing", "extra", "var-keyword"])
def test_a_provider_must_take_the_declared_arguments(model: CityModel, provider) -> None:
    with pytest.raises(TypeError, match="cannot provide the query 'people_per_node'"):
        model.provide(PEOPLE_PER_NODE, provider)
    assert not model.has_query(PEOPLE_PER_NODE)


def test_a_second_provider_is_an_error_naming_both(model: CityModel) -> None:
    def stand_in(mode: str | None = None, travelling: bool = False) -> np.ndarray:
        return np.ones(100, dtype=np.int32)

    model.provide(PEOPLE_PER_NODE, people)
    with pytest.raises(TwinError, match=r"two systems provide the query 'people_per_node': .*\.people and .*stand_in"):
        model.provide(PEOPLE_PER_NODE, stand_in)
    assert model.query(PEOPLE_PER_NODE).sum() == 0  # the first one stays


def test_a_second_declaration_of_the_same_name_is_refused(model: CityModel) -> None:
    model.provide(PEOPLE_COUNTS, lambda: {"total": 0})
    lookalike = Query("people_counts", returns="people by state")
    with pytest.raises(TypeError, match="two different declarations of the query 'people_counts'"):
        model.provide(lookalike, lambda: {"total": 1})


def test_asking_a_query_nobody_provides_names_it_and_its_section(model: CityModel) -> None:
    with pytest.raises(TwinError, match=r"no installed system provides the query 'edge_travel_time_s'; "
                                        r"the system of the scenario's 'traffic' section provides it"):
        model.query(EDGE_TRAVEL_TIME_S)
    with pytest.raises(TwinError, match=r"^no installed system provides the query 'wind_per_node'$"):
        model.query(WIND, height_m=10.0)


def test_lookup_is_the_explicit_optional_way(model: CityModel) -> None:
    assert model.lookup(UNITS_PER_NODE) is None and not model.has_query(UNITS_PER_NODE)

    def units(unit_type: str = "police") -> np.ndarray:
        return np.zeros(100, dtype=np.int32)

    model.provide(UNITS_PER_NODE, units)
    assert model.lookup(UNITS_PER_NODE) is units and model.has_query(UNITS_PER_NODE)
    assert model.lookup(PEOPLE_PER_NODE) is None  # others still absent


@pytest.mark.parametrize("ask", ["provide", "query", "lookup", "has_query"])
def test_a_query_name_as_a_string_is_refused_with_a_hint(model: CityModel, ask: str) -> None:
    model.provide(PEOPLE_PER_NODE, people)
    args = ("people_per_node", people) if ask == "provide" else ("people_per_node",)
    with pytest.raises(TypeError, match=r"queries are declared, not named: pass twin\.sim\.queries\.PEOPLE_PER_NODE"):
        getattr(model, ask)(*args)
    with pytest.raises(TypeError, match="declare it as a twin.sim.queries.Query"):
        getattr(model, ask)("wind_per_node", *args[1:])


@pytest.mark.parametrize(("answer", "shown"), [
    (np.zeros(100, dtype=np.int64), r"int64\[100\]"),
    (np.zeros(99, dtype=np.float64), r"float64\[99\]"),
    ([0.0] * 100, "a list"),
], ids=["dtype", "length", "not-an-array"])
def test_an_answer_that_is_not_the_declared_array_is_an_error(model: CityModel, answer, shown: str) -> None:
    model.provide(WIND, lambda height_m=10.0: answer)
    with pytest.raises(TypeError, match=rf"answered the query 'wind_per_node' with {shown}; "
                                        r"declared: float64 per drive node \(float64\[100\]\)"):
        model.query(WIND)


def test_a_declaration_reads_as_a_contract() -> None:
    assert EDGE_TRAVEL_TIME_S.shape == "float64 per drive edge" and PEOPLE_COUNTS.shape == ""
    assert set(PEOPLE_PER_NODE.arguments) == PEOPLE_PER_NODE.names == {"mode", "travelling"}
    with pytest.raises(TypeError):
        PEOPLE_PER_NODE.arguments["extra"] = "x"  # type: ignore[index]
    with pytest.raises(ValueError, match="per must be one of"):
        Query("bad", returns="x", dtype="float64", per="node")
    assert Query("a", returns="x") != Query("a", returns="x")  # one declaration, one object
    assert set(QUERIES) == {"people_per_node", "people_counts", "units_per_node", "edge_travel_time_s",
                            "edge_volume_vph", "light_level_per_node", "crime_light_multiplier_per_node",
                            "crime_intensity_per_node"}


def test_every_declaration_matches_its_real_provider() -> None:
    """The whole-city regression scenario installs every built-in system: each declared query is
    provided by the system of its section and answers the declared array (checked by ``query``)."""
    scenario = load_scenario(SCENARIOS / "regression" / "helsinki-city.yaml")
    model = build_model(scenario, 1)
    model.run(until=3 * 3600.0)  # 05:00 in November: dark, lights on, people at home
    net = model.city.drive
    for name, query in QUERIES.items():
        provider = model.lookup(query)
        assert provider is not None, name
        assert provider.__self__.section == query.section, name
        answer = model.query(query)
        if query.dtype is None:
            assert isinstance(answer, dict) and answer["total"] == scenario.population.size
        else:
            assert answer.dtype == np.dtype(query.dtype), name
            assert len(answer) == {"drive node": net.n_nodes, "drive edge": net.n_edges}[query.per], name
    assert model.query(PEOPLE_PER_NODE).sum() == scenario.population.size
    assert model.query(PEOPLE_PER_NODE, mode="walk", travelling=True).sum() <= scenario.population.size
    assert model.query(UNITS_PER_NODE, unit_type="ambulance").sum() == scenario.response.units["ambulance"].count
