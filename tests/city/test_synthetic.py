"""Synthetic cities: the spec parser, and the invariants of what it builds."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from twin.city.city import FACILITY_KINDS, City
from twin.city.network import CLASS_CODE, RoadNetwork
from twin.city.synthetic import SyntheticSpec, build_synthetic, parse_synthetic, utm_crs
from twin.errors import TwinError

ARTERIAL = (CLASS_CODE["primary"], CLASS_CODE["secondary"])


@cache
def city(text: str) -> City:
    """Build once per spec for the whole module (the arrays are read-only anyway)."""
    return build_synthetic(parse_synthetic(text), f"synthetic:{text}")


def all_arrays(c: City) -> dict[str, np.ndarray]:
    arrays = {f"{prefix}.{name}": getattr(net, name)
              for prefix, net in (("drive", c.drive), ("walk", c.walk))
              for name in RoadNetwork.array_fields()}
    fac = c.facilities
    arrays.update(signal_nodes=c.signal_nodes, crossing_nodes=c.crossing_nodes,
                  population_weight=c.population_weight, fac_x=fac.x, fac_y=fac.y,
                  fac_node=fac.node, fac_snap=fac.snap_distance,
                  fac_kind=np.array(fac.kind), fac_name=np.array(fac.name))
    return arrays


def n_strong_components(net: RoadNetwork) -> int:
    matrix = csr_matrix((np.ones(net.n_edges), (net.edge_u, net.edge_v)), shape=(net.n_nodes,) * 2)
    return connected_components(matrix, directed=True, connection="strong")[0]


def edge_keys(net: RoadNetwork, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u.astype(np.int64) * net.n_nodes + v


# --------------------------------------------------------------------------- parser

def test_parse_forms_and_defaults() -> None:
    assert parse_synthetic("nodes=250000,seed=7") == SyntheticSpec(nodes=250_000, seed=7)
    assert parse_synthetic("10000") == SyntheticSpec(nodes=10_000)
    assert parse_synthetic(" Nodes = 1e4 , SEED=3, ") == SyntheticSpec(nodes=10_000, seed=3)
    spec = parse_synthetic("nodes=500,spacing=80,jitter=0,arterial_every=4,oneway_share=1,lat=-33.9,lon=151.2")
    assert (spec.spacing, spec.jitter, spec.arterial_every, spec.oneway_share) == (80.0, 0.0, 4, 1.0)
    assert (spec.lat, spec.lon) == (-33.9, 151.2)
    default = SyntheticSpec(nodes=100)
    assert (default.seed, default.spacing, default.jitter, default.arterial_every,
            default.oneway_share, default.lat, default.lon) == (0, 110.0, 0.25, 8, 0.3, 60.17, 24.94)


@pytest.mark.parametrize("text, parameter, problem", [
    ("nodes=50", "nodes", "between 100 and 1,000,000, got 50"),
    ("nodes=2000000", "nodes", "between 100 and 1,000,000"),
    ("nodes=abc", "nodes", "must be a number"),
    ("nodes=100.5", "nodes", "whole number"),
    ("nodes=", "nodes", "no value"),
    ("seed=3", "nodes", "required"),
    ("nodes=100,nodes=200", "nodes", "twice"),
    ("100,nodes=200", "nodes", "twice"),
    ("nodes=100,seed=-1", "seed", "at least 0"),
    ("nodes=100,seed=x", "seed", "must be a number"),
    ("nodes=100,spacing=5", "spacing", "between 20 and 1000"),
    ("nodes=100,spacing=inf", "spacing", "finite"),
    ("nodes=100,jitter=nan", "jitter", "finite"),
    ("nodes=100,jitter=1.5", "jitter", "between 0 and 0.9"),
    ("nodes=100,arterial_every=1", "arterial_every", "between 2 and 64"),
    ("nodes=100,arterial_every=2.5", "arterial_every", "whole number"),
    ("nodes=100,oneway_share=2", "oneway_share", "between 0 and 1"),
    ("nodes=100,lat=89", "lat", "between -80 and 84"),
    ("nodes=100,lon=-200", "lon", "between -180 and 180"),
    ("nodes=100,sede=3", "sede", "did you mean 'seed'"),
    ("nodes=100,onewayshare=0.1", "onewayshare", "did you mean 'oneway_share'"),
    ("nodes=100,colour=red", "colour", "unknown parameter"),
    ("lots", "lots", "key=value"),
])
def test_bad_parameters_raise_one_line_naming_them(text: str, parameter: str, problem: str) -> None:
    with pytest.raises(TwinError) as info:
        parse_synthetic(text)
    message = str(info.value)
    assert message.startswith("synthetic city: ") and "\n" not in message
    assert parameter in message and problem in message
    assert "pydantic" not in message and "validation error" not in message.lower()


RANGES = {"nodes": (100, 1_000_000), "spacing": (20.0, 1000.0), "jitter": (0.0, 0.9),
          "arterial_every": (2, 64), "oneway_share": (0.0, 1.0), "lat": (-80.0, 84.0),
          "lon": (-180.0, 180.0)}


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_out_of_range_value_is_refused_by_name(data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(RANGES)))
    lo, hi = RANGES[key]
    whole = isinstance(lo, int)
    number = st.integers if whole else st.floats
    below = number(max_value=lo - 1) if whole else st.floats(max_value=lo, exclude_max=True, allow_nan=False,
                                                              allow_infinity=False)
    above = number(min_value=hi + 1) if whole else st.floats(min_value=hi, exclude_min=True, allow_nan=False,
                                                              allow_infinity=False)
    # .filter: hypothesis counts -0.0 as "below 0.0", which is not out of range.
    value = data.draw(st.one_of(below, above).filter(lambda v: v < lo or v > hi))
    text = f"{key}={value!r}" if key == "nodes" else f"nodes=1000,{key}={value!r}"
    with pytest.raises(TwinError, match=rf"^synthetic city: {key} must be"):
        parse_synthetic(text)


@settings(max_examples=150, deadline=None)
@given(nodes=st.integers(100, 1_000_000), seed=st.integers(0, 2**64),
       jitter=st.floats(0.0, 0.9), share=st.floats(0.0, 1.0), every=st.integers(2, 64))
def test_in_range_values_round_trip(nodes: int, seed: int, jitter: float, share: float, every: int) -> None:
    spec = parse_synthetic(f"nodes={nodes},seed={seed},jitter={jitter!r},oneway_share={share!r},"
                           f"arterial_every={every}")
    assert (spec.nodes, spec.seed, spec.jitter, spec.oneway_share, spec.arterial_every) == (
        nodes, seed, jitter, share, every)
    assert parse_synthetic(f"{nodes}") == SyntheticSpec(nodes=nodes)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="nodesq=,.0123456789e-_ xyzabcijlrt", max_size=40))
def test_any_text_parses_or_raises_twin_error(text: str) -> None:
    try:
        spec = parse_synthetic(text)
    except TwinError as exc:
        assert str(exc).startswith("synthetic city: ") and "\n" not in str(exc)
    else:
        assert 100 <= spec.nodes <= 1_000_000


# --------------------------------------------------------------------------- builder

def test_same_spec_builds_byte_identical_arrays() -> None:
    first = all_arrays(build_synthetic(parse_synthetic("nodes=3000,seed=5"), "a"))
    again = all_arrays(build_synthetic(parse_synthetic("nodes=3000,seed=5"), "b"))
    assert first.keys() == again.keys()
    for name in first:
        assert first[name].dtype == again[name].dtype, name
        assert first[name].tobytes() == again[name].tobytes(), name


def test_another_seed_builds_another_city() -> None:
    one, two = city("nodes=3000,seed=5"), city("nodes=3000,seed=6")
    assert not np.array_equal(one.drive.x, two.drive.x)
    assert not np.array_equal(one.population_weight, two.population_weight)
    assert one.name == "synthetic-3000-s5" and one.source == "synthetic:nodes=3000,seed=5"


@pytest.mark.parametrize("nodes", [100, 101, 2023, 10_000])
def test_size_is_close_to_the_request(nodes: int) -> None:
    c = city(f"nodes={nodes}")
    assert 0.97 * nodes <= c.drive.n_nodes <= nodes
    assert c.walk.n_nodes == nodes
    assert 3.0 < c.drive.n_edges / c.drive.n_nodes < 4.0, "a grid: about four directed edges per node"


@pytest.mark.parametrize("text", ["nodes=100", "nodes=10000", "nodes=2000,oneway_share=1,arterial_every=64",
                                  "nodes=1500,arterial_every=2,jitter=0.9,seed=4"])
def test_networks_are_strongly_connected(text: str) -> None:
    c = city(text)
    assert n_strong_components(c.drive) == 1
    assert n_strong_components(c.walk) == 1


def test_oneway_edges_have_no_reverse_twin_and_two_way_edges_do() -> None:
    net = city("nodes=10000").drive
    keys = edge_keys(net, net.edge_u, net.edge_v)
    reverse = edge_keys(net, net.edge_v, net.edge_u)
    has_twin = np.isin(reverse, keys)
    oneway = net.edge_oneway
    assert 0.05 < oneway.mean() < 0.5
    assert not has_twin[oneway].any()
    assert has_twin[~oneway].all()
    assert len(np.unique(keys)) == net.n_edges, "no parallel edges"
    assert not net.edge_oneway[np.isin(net.edge_class, ARTERIAL)].any(), "arterials are two-way"


def test_walk_network_runs_both_ways_at_walking_speed() -> None:
    c = city("nodes=10000")
    walk = c.walk
    assert not walk.edge_oneway.any()
    np.testing.assert_allclose(walk.edge_speed, 5.0)
    keys = edge_keys(walk, walk.edge_u, walk.edge_v)
    assert np.isin(edge_keys(walk, walk.edge_v, walk.edge_u), keys).all()
    # Block sides closed to cars are footways, and only those.
    footway = walk.edge_class == CLASS_CODE["footway"]
    assert 0 < footway.sum() < 0.05 * walk.n_edges
    # Every block side cars use is walkable too (the drive graph only loses stranded ones).
    drive_sides = c.drive.edge_oneway.sum() + (~c.drive.edge_oneway).sum() // 2
    walk_road_sides = (~footway).sum() // 2
    assert 0.99 * walk_road_sides <= drive_sides <= walk_road_sides


def test_signals_sit_exactly_where_two_arterials_cross() -> None:
    c = city("nodes=10000")
    net = c.drive
    cols = int(np.ceil(np.sqrt(10_000)))
    arterial = np.isin(net.edge_class, ARTERIAL)
    step = np.abs(net.osmid[net.edge_v] - net.osmid[net.edge_u])  # 1 along a row, cols along a column
    along_row = np.zeros(net.n_nodes, dtype=bool)
    along_col = np.zeros(net.n_nodes, dtype=bool)
    along_row[net.edge_u[arterial & (step == 1)]] = True
    along_col[net.edge_u[arterial & (step == cols)]] = True
    expected = np.flatnonzero(along_row & along_col)
    np.testing.assert_array_equal(c.signal_nodes, expected)
    assert len(c.signal_nodes) > 100
    # Crossings: every signal, plus some other arterial nodes.
    assert np.isin(c.signal_nodes, c.crossing_nodes).all()
    on_arterial = np.zeros(net.n_nodes, dtype=bool)
    on_arterial[net.edge_u[arterial]] = True
    assert on_arterial[c.crossing_nodes].all()
    assert len(c.crossing_nodes) > len(c.signal_nodes)


def test_edge_attributes() -> None:
    net = city("nodes=10000").drive
    np.testing.assert_allclose(net.edge_time, net.edge_length / (net.edge_speed / 3.6), rtol=1e-12)
    straight = np.hypot(net.x[net.edge_v] - net.x[net.edge_u], net.y[net.edge_v] - net.y[net.edge_u])
    assert np.all(net.edge_length >= straight) and np.all(net.edge_length <= 1.1 * straight)
    speeds = {name: set(np.unique(net.edge_speed[net.edge_class == CLASS_CODE[name]]))
              for name in ("primary", "secondary", "residential")}
    assert speeds == {"primary": {50.0, 60.0}, "secondary": {40.0, 50.0}, "residential": {30.0, 40.0}}
    assert set(np.unique(net.edge_class)) == {CLASS_CODE[n] for n in ("primary", "secondary", "residential")}
    assert np.all(net.edge_lit[np.isin(net.edge_class, ARTERIAL)] == 1)
    local_lit = net.edge_lit[net.edge_class == CLASS_CODE["residential"]]
    assert set(np.unique(local_lit)) == {-1, 0, 1} and (local_lit == 1).mean() > 0.7
    assert net.edge_class.dtype == np.int8 and net.edge_lit.dtype == np.int8 and net.edge_oneway.dtype == bool
    assert np.all(np.diff(net.osmid) > 0)


def test_population_sums_to_one_and_peaks_in_the_centre() -> None:
    c = city("nodes=10000")
    weight = c.population_weight
    assert weight.shape == (c.drive.n_nodes,) and np.all(weight > 0)
    assert np.isclose(weight.sum(), 1.0)
    assert c.population_basis == "synthetic"
    radius = np.hypot(c.drive.x - c.drive.x.mean(), c.drive.y - c.drive.y.mean())
    inner, outer = radius < np.quantile(radius, 0.2), radius > np.quantile(radius, 0.8)
    assert weight[inner].sum() > 3 * weight[outer].sum()


@pytest.mark.parametrize("nodes, expected", [
    (100, {"police": 1, "fire_station": 1, "hospital": 1, "ambulance_station": 1}),
    (10_000, {"police": 2, "fire_station": 4, "hospital": 1, "ambulance_station": 2}),
])
def test_facilities_sit_on_valid_nodes(nodes: int, expected: dict[str, int]) -> None:
    c = city(f"nodes={nodes}")
    fac = c.facilities
    assert fac.counts() == expected
    assert set(fac.kind) <= set(FACILITY_KINDS)
    assert np.all((fac.node >= 0) & (fac.node < c.drive.n_nodes))
    # The recorded node is the nearest one, at the recorded distance, less than a block away.
    node, distance = c.drive.nearest_node(fac.x, fac.y)
    np.testing.assert_array_equal(fac.node, node)
    np.testing.assert_allclose(fac.snap_distance, distance)
    assert np.all(fac.snap_distance < 110.0)
    assert fac.name[fac.kind.index("fire_station")] == "Fire station 1"


def test_coordinates_are_utm_around_the_requested_centre() -> None:
    c = city("nodes=400,lat=-33.87,lon=151.21")
    assert c.crs == utm_crs(-33.87, 151.21) == "EPSG:32756"
    assert city("nodes=100").crs == "EPSG:32635"
    assert abs(np.median(c.drive.lat) + 33.87) < 0.01 and abs(np.median(c.drive.lon) - 151.21) < 0.01
    to_xy = Transformer.from_crs("EPSG:4326", c.crs, always_xy=True)
    x, y = to_xy.transform(c.drive.lon, c.drive.lat)
    np.testing.assert_allclose(x, c.drive.x, atol=0.01)
    np.testing.assert_allclose(y, c.drive.y, atol=0.01)
    # Spacing: a 20 x 20 grid of 110 m blocks spans about 2.1 km.
    assert 1.9e3 < np.ptp(c.walk.x) < 2.3e3


def test_drive_nodes_keep_their_grid_id_as_osmid_like_the_walk_nodes() -> None:
    c = city("nodes=2023")
    np.testing.assert_array_equal(c.walk.osmid, np.arange(2023))
    np.testing.assert_array_equal(c.walk.x[c.drive.osmid], c.drive.x)
