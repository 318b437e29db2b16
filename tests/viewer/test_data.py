"""The replay's data and API, without a browser: what the page is fed, checked against the run's own files."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient

from twin.cli import main
from twin.errors import TwinError
from twin.present.replay import step_series
from twin.present.stored import StoredRun
from twin.viewer.data import ReplaySource, pair_warning, read_sources
from twin.viewer.server import create_app

#: Units move between these event kinds (the log's own names, as a reader of the file sees them).
ARRIVALS = ("UnitOnScene", "UnitAtHospital", "UnitAtStation")


@pytest.fixture(scope="module")
def source(run_a: Path) -> ReplaySource:
    return ReplaySource.read(run_a)


@pytest.fixture(scope="module")
def client(source: ReplaySource) -> TestClient:
    return TestClient(create_app([source]))


def _events(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "events.parquet")


def test_the_network_is_every_road_once(source: ReplaySource) -> None:
    drive = source.run.city.drive
    roads = {(min(u, v), max(u, v)) for u, v in zip(drive.edge_u.tolist(), drive.edge_v.tolist())}
    network = source.scene()["network"]
    assert len(network["paths"]) == len(network["road_class"]) == len(roads)
    # Positions are metres from the south-west corner: all inside the extent, which starts at 0.
    xs = np.concatenate([np.asarray(p[0::2]) for p in network["paths"]])
    ys = np.concatenate([np.asarray(p[1::2]) for p in network["paths"]])
    x1, y1 = network["extent"][2:]
    assert xs.min() >= -0.05 and ys.min() >= -0.05 and xs.max() <= x1 + 0.05 and ys.max() <= y1 + 0.05


def test_scene_names_the_run_and_its_clock(source: ReplaySource, run_a: Path) -> None:
    meta = source.scene()["meta"]
    assert meta["start"] == "2026-11-02T00:00:00" and meta["duration_s"] == 3 * 3600 and meta["seed"] == 1
    assert meta["folder"] == str(run_a)
    stations = pd.read_parquet(run_a / "systems" / "response" / "stations.parquet")
    sites = {s["title"]: s for s in source.scene()["sites"]}
    assert len(sites["Stations"]["x"]) == len(stations)


def test_units_start_at_their_stations_and_reach_each_scene_when_the_log_says(source: ReplaySource,
                                                                            run_a: Path) -> None:
    events = _events(run_a)
    x0, y0 = source.origin
    start = source.frame(0.0)["movers"][0]["items"]
    assert len(start) == 4 + 4 + 2  # police, ambulances, fire engines of the scenario
    assert {item["style"] for item in start.values()} == {"at_station"}
    # A unit's first dispatch is from its station: where the log says it was then.
    first = events[events["unit"].notna() & (events["unit"] >= 0)].sort_values("seq").groupby("unit").head(1)
    from_station = first[first["kind"] == "UnitDispatched"]
    assert len(from_station) >= 3
    for row in from_station.itertuples():
        item = start[str(int(row.unit))]
        assert (item["x"], item["y"]) == pytest.approx((row.x - x0, row.y - y0), abs=0.06)
    arrivals = events[events["kind"].isin(ARRIVALS)]
    assert len(arrivals) > 5
    for row in arrivals.itertuples():
        item = source.frame(row.time)["movers"][0]["items"][str(int(row.unit))]
        assert (item["x"], item["y"]) == pytest.approx((row.x - x0, row.y - y0), abs=0.2), row


def test_a_unit_moves_along_its_movements_table(source: ReplaySource, run_a: Path, tmp_path: Path) -> None:
    """A hand-made movements table: unit 0 drives 100 m east in 100 s from t = 1000 s, then stands."""
    folder = tmp_path / "run"
    shutil.copytree(run_a, folder)
    x0, y0 = source.origin
    home = source.frame(0.0)["movers"][0]["items"]["0"]
    hx, hy = home["x"] + x0, home["y"] + y0
    table = pd.DataFrame({"unit": [0, 0, 0], "time_s": [1000.0, 1050.0, 1100.0], "node": [1, 2, 3],
                          "x": [hx, hx + 50, hx + 100], "y": [hy, hy, hy], "lon": 0.0, "lat": 0.0})
    table.to_parquet(folder / "systems" / "response" / "movements.parquet")
    mine = ReplaySource.read(folder)

    def at(t: float) -> tuple[float, float]:
        item = mine.frame(t)["movers"][0]["items"]["0"]
        return item["x"] - home["x"], item["y"] - home["y"]

    assert at(500.0) == pytest.approx((0, 0), abs=0.06)     # at its station before it leaves
    assert at(1025.0) == pytest.approx((25, 0), abs=0.06)   # a quarter of the way
    assert at(1075.0) == pytest.approx((75, 0), abs=0.06)
    assert at(5000.0) == pytest.approx((100, 0), abs=0.06)  # stands where it stopped


def test_without_movements_units_go_straight_between_the_places_the_log_names(run_a: Path, tmp_path: Path) -> None:
    folder = tmp_path / "old-run"
    shutil.copytree(run_a, folder)
    for name in ("movements", "units"):
        (folder / "systems" / "response" / f"{name}.parquet").unlink(missing_ok=True)
    old = ReplaySource.read(folder)
    assert any("straight lines" in note for note in old.scene()["notes"])
    events = _events(folder)
    x0, y0 = old.origin
    first = events[events["kind"] == "UnitEnRoute"].iloc[0]
    unit = int(first["unit"])
    arrival = events[(events["kind"] == "UnitOnScene") & (events["unit"] == unit)].iloc[0]
    middle = (first["time"] + arrival["time"]) / 2
    item = old.frame(middle)["movers"][0]["items"][str(unit)]
    expected = ((first["x"] + arrival["x"]) / 2 - x0, (first["y"] + arrival["y"]) / 2 - y0)
    assert (item["x"], item["y"]) == pytest.approx(expected, abs=0.2)
    assert item["style"] == "en_route"


def test_units_busy_and_requests_waiting_agree_with_the_sampled_time_series(source: ReplaySource,
                                                                          run_a: Path) -> None:
    """The page's numbers come from the log; the time series was sampled from the live model."""
    series = pd.read_parquet(run_a / "timeseries.parquet")
    busy = series[[c for c in series.columns if c.startswith("busy_")]].sum(axis=1)
    checked = 0
    for t, expected_busy, expected_queue in zip(series["time_s"], busy, series["queue_length"]):
        shown = source.frame(float(t))["series"]
        assert shown["Units busy now"] == expected_busy, t
        assert shown["Requests waiting for a unit"] == expected_queue, t
        checked += expected_busy > 0
    assert checked > 3, "the run should have had busy units at some samples"


def test_incidents_appear_at_their_call_and_turn_green_or_purple_by_their_target(source: ReplaySource,
                                                                                run_a: Path) -> None:
    events = _events(run_a)
    config = StoredRun.read(run_a).scenario["response"]
    calls = events[events["kind"] == "CallReceived"].set_index("incident")["time"]
    reached = events[events["kind"] == "UnitOnScene"].groupby("incident")["time"].min()
    types = events[events["kind"] == "IncidentOccurred"].set_index("incident")["data"].map(
        lambda d: json.loads(d)["incident_type"])
    for incident, t_call in calls.items():
        assert str(int(incident)) not in source.frame(t_call - 1)["markers"][0]["items"]
        kind = config["incident_types"][types[incident]]
        target = kind.get("target_s") or config["targets_s"][str(kind["priority"])]  # JSON keys: strings
        shown = source.frame(t_call)["markers"][0]["items"][str(int(incident))]
        assert shown == f"p{kind['priority']}"
        if incident in reached.index:
            late = reached[incident] - t_call > target
            after = source.frame(reached[incident])["markers"][0]["items"][str(int(incident))]
            assert after == ("late" if late else "within")


def test_series_step_at_each_time() -> None:
    """step_series: the running total after every step at a time, one value per distinct time."""
    times, values = step_series(np.array([5.0, 1.0, 5.0, 3.0]), np.array([1, 1, -1, 1]))
    assert times.tolist() == [1.0, 3.0, 5.0] and values.tolist() == [1.0, 2.0, 2.0]


def test_api_documents_events_timeline_and_frame(client: TestClient, run_a: Path) -> None:
    events = _events(run_a)
    runs = client.get("/api/runs").json()
    assert runs["runs"][0]["folder"] == str(run_a) and runs["warning"] == ""
    assert client.get("/").headers["content-type"].startswith("text/html")
    for asset in ("viewer.js", "viewer.css"):
        assert client.get(f"/static/{asset}").status_code == 200
    scene = client.get("/api/runs/0/scene")
    assert scene.status_code == 200 and "network" in scene.json()
    unit = int(events.loc[events["kind"] == "UnitDispatched", "unit"].iloc[0])
    timeline = client.get(f"/api/runs/0/timeline?ref=unit&id={unit}").json()
    assert [e["seq"] for e in timeline["events"]] == events.loc[events["unit"] == unit, "seq"].tolist()
    assert timeline["events"][0]["kind"] == "UnitDispatched"
    window = client.get("/api/runs/0/events?since=3000&until=6000").json()
    expected = events[(events["time"] >= 3000) & (events["time"] < 6000)]
    assert [e["seq"] for e in window["events"]] == expected["seq"].tolist() and not window["more"]
    frame = client.get("/api/runs/0/frame?t=3600").json()
    assert frame["clock"] == "2026-11-02T01:00:00"


def test_events_come_in_pages_that_never_split_a_moment(source: ReplaySource, run_a: Path) -> None:
    seen, since, pages = [], 0.0, 0
    while True:
        page = source.events(since, math.inf, limit=7)
        seen += [e["seq"] for e in page["events"]]
        pages += 1
        if not page["more"]:
            break
        since = page["next"]
    assert seen == _events(run_a).sort_values("seq")["seq"].tolist() and pages > 3


def test_the_stream_sends_every_event_then_says_done(client: TestClient, run_a: Path) -> None:
    received = []
    with client.websocket_connect("/api/runs/0/stream?since=0") as socket:
        while True:
            message = socket.receive_json()
            if message.get("done"):
                break
            received += message["events"]
    assert [e["seq"] for e in received] == _events(run_a).sort_values("seq")["seq"].tolist()


def test_api_mistakes_are_one_line_of_json(client: TestClient) -> None:
    for url in ("/api/runs/0/timeline?ref=colour&id=1", "/api/runs/0/timeline?ref=unit&id=x",
                "/api/runs/0/frame?t=soon", "/api/runs/3/scene"):
        response = client.get(url)
        assert response.status_code == 400 and response.json()["error"], url


def test_a_pair_must_share_a_city_and_a_different_seed_is_said(run_a: Path, run_b: Path, tmp_path: Path) -> None:
    a, b = read_sources([run_a, run_b])
    assert pair_warning([a, b]) == ""
    other = tmp_path / "other"
    shutil.copytree(run_b, other)
    scenario = (other / "scenario.yaml").read_text()
    (other / "scenario.yaml").write_text(scenario.replace("seed: 1\n", "seed: 2\n", 1))
    assert "different seeds (1 and 2)" in pair_warning(read_sources([run_a, other]))
    (other / "scenario.yaml").write_text(scenario.replace("source: helsinki", "source: synthetic:nodes=100", 1))
    with pytest.raises(TwinError, match="same city"):
        read_sources([run_a, other])


def test_view_refuses_what_is_not_a_run_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["view", str(tmp_path / "nowhere"), "--no-browser"]) == 2
    assert "not a run folder" in capsys.readouterr().err
    reps = tmp_path / "reps"
    reps.mkdir()
    (reps / "summary.json").write_text("{}")
    assert main(["view", str(reps), "--no-browser"]) == 2
    assert "--replication" in capsys.readouterr().err
