"""What a run folder gives to other tools: GIS layers, tidy tables, unit movements (docs/outputs.md).

One short Helsinki run (a police station and a hospital given by lon/lat, move-up
on, so units are re-dispatched and relocated on their way home) is written once;
every test reads its folder back with the tools a planner would use: geopandas,
pyogrio, pyarrow, pandas and DuckDB.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
from pyproj import Transformer

from twin.experiments import simulate
from twin.experiments.outputs import write_run
from twin.experiments.run import RunResult
from twin.present.stored import StoredRun
from twin.scenario import load_scenario

#: Given in the scenario below; every expected position derives from these, not from the code.
POLICE_LON, POLICE_LAT = 24.9445, 60.1700
HOSPITAL_LON, HOSPITAL_LAT = 24.9400, 60.1660
#: The CRS the twin projects central Helsinki to (UTM zone 35N) and the clock's zone.
UTM_35N, ZONE = "EPSG:32635", "Europe/Helsinki"
START = pd.Timestamp("2026-11-02 08:00", tz=ZONE)

SCENARIO = f"""\
city: helsinki
run: {{start: "2026-11-02T08:00:00", timezone: {ZONE}, duration: 4h, warmup: 1h, seed: 3}}
response:
  arrivals: {{per_day: 400}}
  units:
    police: {{count: 3, stations: [{{lon: {POLICE_LON}, lat: {POLICE_LAT}, name: Given police}}]}}
    ambulance: {{count: 3}}
    fire: {{count: 2}}
  hospitals: [{{lon: {HOSPITAL_LON}, lat: {HOSPITAL_LAT}, name: Given hospital}}]
  relocation: {{name: dmexclp, params: {{busy_fraction: 0.3, max_moves: 1, min_gain: 0.0}}}}
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    path = tmp_path_factory.mktemp("scenario") / "outputs-test.yaml"
    path.write_text(SCENARIO)
    return simulate(load_scenario(path))


@pytest.fixture(scope="module")
def folder(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(result, tmp_path_factory.mktemp("out") / "run")


@pytest.fixture(scope="module")
def movements(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "systems" / "response" / "movements.parquet")


def engine(result: RunResult, kind: str) -> pd.DataFrame:
    return result.events[result.events["kind"] == kind]


# --- GIS ------------------------------------------------------------------------------------------


def test_gis_layers_open_in_wgs84_with_the_city_crs_recorded(folder: Path) -> None:
    for name in ("incidents", "stations", "hospitals", "units"):
        path = folder / "gis" / f"{name}.parquet"
        layer = gpd.read_parquet(path)
        assert layer.crs.to_epsg() == 4326, name
        meta = pq.read_schema(path).metadata
        assert json.loads(meta[b"geo"])["version"].startswith("1."), name
        assert meta[b"crs"] == UTM_35N.encode() and meta[b"timezone"] == ZONE.encode(), name
        # The GeoJSON beside it (small layers): the same features, read by GDAL.
        geojson = pyogrio.read_dataframe(folder / "gis" / f"{name}.geojson")
        assert geojson.crs.to_epsg() == 4326 and len(geojson) == len(layer), name
        np.testing.assert_allclose(geojson.geometry.x, layer.geometry.x, atol=1e-7)
        np.testing.assert_allclose(geojson.geometry.y, layer.geometry.y, atol=1e-7)


def test_a_station_and_a_hospital_given_by_lon_lat_are_there(folder: Path) -> None:
    to_utm = Transformer.from_crs("EPSG:4326", UTM_35N, always_xy=True)
    for layer, name, lon, lat in (("stations", "Given police", POLICE_LON, POLICE_LAT),
                                  ("hospitals", "Given hospital", HOSPITAL_LON, HOSPITAL_LAT)):
        rows = gpd.read_parquet(folder / "gis" / f"{layer}.parquet")
        row = rows[rows["name"] == name].iloc[0]
        assert row.geometry.x == pytest.approx(lon, abs=1e-7) and row.geometry.y == pytest.approx(lat, abs=1e-7)
        x, y = to_utm.transform(lon, lat)
        assert row["x"] == pytest.approx(x, abs=1e-3) and row["y"] == pytest.approx(y, abs=1e-3)
        assert row["placement"] == "given" and not row["auto"]
    stations = gpd.read_parquet(folder / "gis" / "stations.parquet")
    ambulance = stations[stations["unit_type"] == "ambulance"]
    assert ambulance["auto"].all() and ambulance["units"].sum() == 3


def test_incident_layer_has_one_row_per_incident_with_its_stages(result: RunResult, folder: Path) -> None:
    layer = gpd.read_parquet(folder / "gis" / "incidents.parquet").set_index("incident")
    occurred = engine(result, "IncidentOccurred").set_index("incident")
    assert sorted(layer.index) == sorted(occurred.index)
    on_scene = engine(result, "UnitOnScene").groupby("incident")["time"].min()
    calls = engine(result, "CallReceived").set_index("incident")["time"]
    served = on_scene.index
    np.testing.assert_allclose(layer.loc[served, "on_scene_s"], on_scene.loc[served])
    np.testing.assert_allclose(layer.loc[served, "response_s"], on_scene.loc[served] - calls.loc[served])
    assert layer["on_scene_s"].isna().sum() == len(layer) - len(served)
    sent = engine(result, "UnitDispatched").groupby("incident")["unit"].nunique()
    assert (layer["units_sent"] == sent.reindex(layer.index, fill_value=0)).all()
    # Targets: the defaults (NFPA 1710: 8 min for a priority-1 medical call; fire: 240 s travel + 80 turnout + 90).
    medical = layer[layer["incident_type"] == "medical_p1"]
    fire = layer[layer["incident_type"] == "fire"]
    assert len(medical) and (medical["target_s"] == 480).all() and (fire["target_s"] == 410).all()
    assert (layer["within_target"] == (layer["response_s"] <= layer["target_s"])).all()
    assert (layer["measured"] == (layer["call_received_s"] >= 3600)).all()
    # Clock columns: the same instants, timezone-aware in Helsinki (UTC+2 in November).
    first = layer.iloc[0]
    assert first["occurred_at"] == START + pd.Timedelta(seconds=first["occurred_s"])
    assert str(first["occurred_at"].tz) == ZONE and first["occurred_at"].utcoffset() == pd.Timedelta(hours=2)
    # Points at the incident's node, in WGS 84 (checked against the node's own lon/lat).
    net = result.model.city.drive
    np.testing.assert_allclose(layer.geometry.x, net.lon[layer["node"].to_numpy()], atol=1e-7)
    np.testing.assert_allclose(layer.geometry.y, net.lat[layer["node"].to_numpy()], atol=1e-7)


# --- tidy tables ----------------------------------------------------------------------------------


def test_events_are_tidy(result: RunResult, folder: Path) -> None:
    table = pq.read_table(folder / "events.parquet")
    assert table.schema.field("clock").type == pa.timestamp("ms", tz=ZONE)
    assert table.schema.field("priority").type == pa.int8()
    assert table.schema.metadata[b"crs"] == UTM_35N.encode()
    events = table.to_pandas()
    raw = result.events
    assert len(events) == len(raw)
    for column in ("incident", "unit", "node"):
        assert (events[column].isna() == (raw[column] == -1)).all(), column
        assert not (events[column] == -1).any(), column
    assert (events["x"].isna() == raw["x"].isna()).all()
    # Typed columns where a kind has the field, null elsewhere.
    occurred = events["kind"] == "IncidentOccurred"
    expected = [json.loads(d)["incident_type"] for d in raw.loc[occurred, "data"]]
    assert events.loc[occurred, "incident_type"].tolist() == expected
    assert events.loc[occurred, "priority"].tolist() == [json.loads(d)["priority"] for d in raw.loc[occurred, "data"]]
    dispatched = events["kind"] == "UnitDispatched"
    assert events.loc[dispatched, "unit_type"].notna().all()
    assert events.loc[events["kind"] == "UnitOnScene", ["incident_type", "priority", "unit_type", "data"]].isna().all().all()
    # The clock: start + seconds, to the millisecond.
    delta = (events["clock"] - START).dt.total_seconds().to_numpy()
    np.testing.assert_allclose(delta, events["time"], atol=5e-4)


def test_a_stored_run_gives_reports_the_frames_the_run_had(result: RunResult, folder: Path) -> None:
    run = StoredRun.read(folder)
    pd.testing.assert_frame_equal(run.events, result.events)
    pd.testing.assert_frame_equal(run.timeseries, result.timeseries, check_dtype=False)
    assert run.crs == UTM_35N and run.timezone == ZONE
    series = pq.read_table(folder / "timeseries.parquet")
    assert series.column_names[:2] == ["time_s", "clock"]


def test_every_parquet_file_records_the_crs(folder: Path) -> None:
    files = sorted(folder.rglob("*.parquet"))
    assert len(files) >= 10
    for path in files:
        assert pq.read_schema(path).metadata[b"crs"] == UTM_35N.encode(), path


def test_duckdb_reads_the_folder(result: RunResult, folder: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    nulls = con.execute(f"SELECT count(*) FROM '{folder / 'events.parquet'}' WHERE incident IS NULL").fetchone()[0]
    assert nulls == int((result.events["incident"] == -1).sum())
    kind = con.execute(f"SELECT typeof(clock) FROM '{folder / 'events.parquet'}' LIMIT 1").fetchone()[0]
    assert kind == "TIMESTAMP WITH TIME ZONE"
    layer = folder / "gis" / "incidents.parquet"
    count, p1 = con.execute(f"SELECT count(*), count(*) FILTER (WHERE priority = 1) FROM '{layer}'").fetchone()
    assert count == len(engine(result, "IncidentOccurred")) and p1 > 0
    geo = con.execute(f"SELECT value FROM parquet_kv_metadata('{layer}') WHERE key = 'geo'").fetchone()[0]
    assert json.loads(geo)["primary_column"] == "geometry"


# --- movements ------------------------------------------------------------------------------------


def legs(movements: pd.DataFrame) -> pd.DataFrame:
    """First and last row of every leg (consecutive rows of one unit with one kind of leg and one incident)."""
    incident = movements["incident"].fillna(-1)
    new = (movements["unit"].ne(movements["unit"].shift()) | movements["leg"].ne(movements["leg"].shift())
           | incident.ne(incident.shift()))
    grouped = movements.assign(leg_id=new.cumsum()).groupby("leg_id")
    return pd.DataFrame({"unit": grouped["unit"].first(), "leg": grouped["leg"].first(),
                         "first_node": grouped["node"].first(), "last_node": grouped["node"].last()})


def test_movement_columns(movements: pd.DataFrame, result: RunResult) -> None:
    assert list(movements.columns[:7]) == ["unit", "time_s", "node", "x", "y", "lon", "lat"]
    assert movements["unit"].dtype == np.int32 and movements["node"].dtype == np.int32
    net = result.model.city.drive
    nodes = movements["node"].to_numpy()
    np.testing.assert_array_equal(movements["lon"], net.lon[nodes])
    np.testing.assert_array_equal(movements["x"], net.x[nodes])
    assert set(movements["leg"].unique()) >= {"to_scene", "home"}
    assert (movements["time_s"] <= result.model.duration_s).all()


def test_every_arrival_on_scene_ends_a_drive_at_the_scene(movements: pd.DataFrame, result: RunResult) -> None:
    scene = movements[movements["leg"] == "to_scene"]
    trips = scene.groupby(["unit", "incident"]).agg(node=("node", "last"), time=("time_s", "last"),
                                                     start_node=("node", "first"), start=("time_s", "first"))
    arrivals = engine(result, "UnitOnScene")
    assert len(arrivals) > 20
    for row in arrivals.itertuples():
        trip = trips.loc[(row.unit, row.incident)]
        assert trip["node"] == row.node and trip["time"] == pytest.approx(row.time, abs=1e-9)
    departures = engine(result, "UnitEnRoute").set_index(["unit", "incident"])
    for (unit, incident), trip in trips.iterrows():
        left = departures.loc[(unit, incident)]
        assert trip["start_node"] == left["node"] and trip["start"] == pytest.approx(left["time"], abs=1e-9)


def test_every_return_to_a_station_ends_a_drive_there(movements: pd.DataFrame, result: RunResult) -> None:
    back = engine(result, "UnitAtStation")
    home = movements[movements["leg"].isin(["home", "relocation"])]
    assert len(back) > 0
    for row in back.itertuples():
        at = home[(home["unit"] == row.unit) & np.isclose(home["time_s"], row.time, rtol=0, atol=1e-9)]
        assert (at["node"] == row.node).any(), f"unit {row.unit} reached its station at {row.time}"


def test_units_never_jump(movements: pd.DataFrame, result: RunResult, folder: Path) -> None:
    """Each drive starts where the unit's last one ended, re-dispatches and relocations included."""
    assert (movements.groupby("unit")["time_s"].diff().dropna() >= 0).all()
    per_leg = legs(movements)
    for _, drives in per_leg.groupby("unit"):
        assert (drives["first_node"].iloc[1:].to_numpy() == drives["last_node"].iloc[:-1].to_numpy()).all()
    # Some units were sent from the road on their way home (their drive home cut there): covered above.
    stations = set(pd.read_parquet(folder / "systems" / "response" / "units.parquet")["node"])
    assert (~engine(result, "UnitDispatched")["node"].isin(stations)).any()
    assert (movements["leg"] == "relocation").any() == (len(engine(result, "UnitRelocated")) > 0)
