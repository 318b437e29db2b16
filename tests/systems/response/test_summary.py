"""The summary's arithmetic, worked by hand on a small event log: stages, busy units, the longest wait."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from twin.systems.response.summary import busy_units, stages, unit_types


def _log(rows: list[tuple]) -> pd.DataFrame:
    """An event log frame (as StoredRun.events gives it) from (kind, time, incident, unit, node, data) rows."""
    frame = pd.DataFrame(rows, columns=["kind", "time", "incident", "unit", "node", "data"])
    frame.insert(0, "seq", np.arange(len(frame)))
    frame["x"] = frame["node"] * 100.0
    frame["y"] = 0.0
    frame["data"] = [json.dumps(d) if d else "" for d in frame["data"]]
    return frame[["seq", "kind", "time", "incident", "unit", "node", "x", "y", "data"]]


#: Incident 0 (fire, needs 2): call at 0, answered at 10, ready at 100. Unit 3 is sent at once but
#: arrives second (500); unit 5, sent at 160 after a wait, arrives first (400): the first-arriving
#: unit's times make the stages. Incident 1 (police): call at 50, never answered before the end.
LOG = _log([
    ("IncidentOccurred", 0.0, 0, -1, 7, {"incident_type": "fire", "priority": 1}),
    ("CallReceived", 0.0, 0, -1, 7, {"priority": 1}),
    ("CallAnswered", 10.0, 0, -1, 7, None),
    ("IncidentOccurred", 50.0, 1, -1, 9, {"incident_type": "crime_report", "priority": 3}),
    ("CallReceived", 50.0, 1, -1, 9, {"priority": 3}),
    ("DispatchRequested", 100.0, 0, -1, 7, None),
    ("UnitDispatched", 100.0, 0, 3, 2, {"unit_type": "fire", "travel_s": 300.0}),
    ("IncidentQueued", 100.0, 0, -1, 7, {"unit_type": "fire", "missing": 1}),
    ("UnitEnRoute", 130.0, 0, 3, 2, None),
    ("UnitDispatched", 160.0, 0, 5, 1, {"unit_type": "fire", "travel_s": 180.0}),
    ("IncidentDequeued", 160.0, 0, -1, 7, {"unit_type": "fire"}),
    ("UnitEnRoute", 220.0, 0, 5, 1, None),
    ("UnitOnScene", 400.0, 0, 5, 7, None),
    ("UnitOnScene", 500.0, 0, 3, 7, None),
    ("UnitCleared", 600.0, 0, 5, 7, None),
])


def test_the_stages_of_an_incident_add_up_to_its_response() -> None:
    table = stages(LOG)
    fire = table.loc[0]
    assert fire["first_unit"] == 5  # arrived first, though sent second
    assert (fire["handling"], fire["waiting"], fire["turnout"], fire["travel"]) == (100.0, 60.0, 60.0, 180.0)
    assert fire["response"] == 400.0 == fire["handling"] + fire["waiting"] + fire["turnout"] + fire["travel"]
    unanswered = table.loc[1]
    assert unanswered["first_unit"] == -1 and np.isnan(unanswered["response"]) and np.isnan(unanswered["handling"])


@pytest.mark.parametrize(("time", "expected"), [
    (99.0, []),                                                      # nobody sent yet
    (150.0, [(3, "driving to", 130.0)]),                              # unit 3 on its way
    (450.0, [(3, "driving to", 130.0), (5, "on scene at", 400.0)]),
    (700.0, [(3, "on scene at", 500.0)]),                             # unit 5 cleared at 600
])
def test_busy_units_say_what_each_does_and_since_when(time: float, expected: list) -> None:
    busy = busy_units(LOG, time, unit_types(LOG))
    assert [(b.unit, b.doing, b.since_s) for b in busy] == expected
    assert all(b.incident == 0 and b.unit_type == "fire" for b in busy)
