"""Placing the lights: segments, lit roads, counts from the spacing."""

from __future__ import annotations

import numpy as np
import pytest

from twin.city import load
from twin.city.network import CLASS_CODE
from twin.systems.lighting.lights import place_lights, road_segments


def test_a_two_way_road_is_one_segment(helsinki) -> None:
    net = helsinki.drive
    edge_segment, first = road_segments(net)
    assert len(first) == edge_segment.max() + 1
    sizes = np.bincount(edge_segment)
    assert sizes.max() <= 2 and np.all(net.edge_oneway[sizes[edge_segment] == 2] == False)  # noqa: E712
    lights = place_lights(net, spacing_m=35, power_w=50, lit_when_unknown=["residential"])
    assert lights.road_km() == pytest.approx(net.road_km(), rel=0.01)


def test_lit_roads_follow_osm_then_the_class_rule() -> None:
    city = load("synthetic:nodes=900,seed=3")  # residential streets: 80 % lit, 10 % unlit, 10 % unknown
    net = city.drive
    lights = place_lights(net, spacing_m=30, power_w=50, lit_when_unknown=["primary", "residential"])
    edge_lit = lights.seg_lit[lights.edge_segment]
    tag = net.edge_lit
    assert np.all(edge_lit[tag == 1]) and not np.any(edge_lit[tag == 0])
    unknown = tag == -1
    lit_class = np.isin(net.edge_class, [CLASS_CODE["primary"], CLASS_CODE["residential"]])
    np.testing.assert_array_equal(edge_lit[unknown], lit_class[unknown])
    assert (tag == 0).any() and unknown.any()
    # Counts: the lit length over the spacing, rounded once for the whole city.
    assert lights.n_lights == pytest.approx(lights.lit_km() * 1000 / 30, abs=1)
    assert np.all(lights.seg_count[~lights.seg_lit] == 0) and np.all(lights.seg_count >= 0)
    lengths = lights.seg_length[lights.seg_lit] / 30
    counts = lights.seg_count[lights.seg_lit]
    assert np.all((counts >= np.floor(lengths)) & (counts <= np.ceil(lengths)))
    # Ignoring OSM's tags, the class rule decides alone.
    by_class = place_lights(net, spacing_m=30, power_w=50, use_osm_lit=False, lit_when_unknown=[])
    assert by_class.n_lights == 0 and by_class.installed_kw() == 0
