"""The replay page in a real headless browser: Debian's Chromium driven by Selenium through chromedriver.

Each test module starts ``python run.py view ... --port 0 --no-browser`` as a user would, loads the
page it prints, presses play, watches a unit move and clicks it; the side-by-side mode the same way.
The server is stopped with Ctrl-C (SIGINT), and no browser or server process may be left behind.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does)")

#: The page's background colour (viewer.js draws the map on it), as RGB.
PAPER = (0xF6, 0xF4, 0xEF)


class Viewer:
    """A ``python run.py view`` process, and the address it serves."""

    def __init__(self, folders: list[Path]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(ROOT / "run.py"), "view", *map(str, folders), "--port", "0", "--no-browser"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.output: list[str] = []
        deadline = time.monotonic() + 180
        self.url = ""
        while not self.url:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"the viewer ended before serving: {''.join(self.output)}")
            self.output.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                self.url = found.group(0)
            assert time.monotonic() < deadline, "the viewer did not start in 3 minutes"

    def stop(self) -> str:
        """Ctrl-C, as a user stops it; return what it printed."""
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=60)
        return "".join(self.output) + rest


def _processes_naming(text: str) -> list[int]:
    """Ids of the processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue  # ended while we looked
    return found


def _browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1600,1000", f"--user-data-dir={profile}", "--no-first-run"):
        options.add_argument(argument)
    # The driver's path given explicitly: Selenium Manager never downloads anything.
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


@pytest.fixture()
def page(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[object, Viewer]]:
    """A browser on the page of a viewer serving ``request.param`` (names of run fixtures)."""
    folders = [request.getfixturevalue(name) for name in request.param]
    viewer = Viewer(folders)
    profile = tmp_path / "chromium-profile"
    driver = None
    try:
        driver = _browser(profile)
        driver.get(viewer.url)
        _wait(driver, lambda s: s["ready"] or s["error"], "the page to load")
        assert _state(driver)["error"] is None
        yield driver, viewer
    finally:
        driver_process = driver.service.process if driver is not None else None
        if driver is not None:
            driver.quit()
        printed = viewer.stop()
    assert viewer.process.returncode == 0, printed
    assert "viewer stopped" in printed
    if driver_process is not None:
        assert driver_process.poll() is not None, "chromedriver is still running"
    deadline = time.monotonic() + 10
    while _processes_naming(str(profile)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_naming(str(profile)), "a Chromium process outlived the test"


def _state(driver) -> dict:
    return driver.execute_script("return window.viewerState")


def _wait(driver, condition, what: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = _state(driver)
        if state and condition(state):
            return state
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {state}"
        time.sleep(0.1)


def _seek(driver, t: float) -> None:
    """Drag the time slider to ``t`` (as an input event, like a user's drag)."""
    driver.execute_script("const s = document.getElementById('slider'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('input'));", t)


def _set_speed(driver, value: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "speed")).select_by_value(str(value))


def _click_at(driver, pane: int, sx: float, sy: float) -> None:
    """Click the map of pane ``pane`` at (sx, sy) CSS pixels from its top-left corner."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    canvas = driver.find_elements(By.CSS_SELECTOR, ".pane-map canvas")[pane]
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(round(sx - size["width"] / 2)), int(round(sy - size["height"] / 2))).click().perform()


def _painted_share(driver, pane: int) -> float:
    """The share of the pane's canvas pixels that are not the map's background."""
    return driver.execute_script(
        "const c = document.querySelectorAll('.pane-map canvas')[arguments[0]];"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        "for (let i = 0; i < d.length; i += 4) {"
        "  if (Math.abs(d[i] - arguments[1]) + Math.abs(d[i + 1] - arguments[2]) + Math.abs(d[i + 2] - arguments[3]) > 24) n++;"
        "} return n / (d.length / 4);", pane, *PAPER)


def _unit(state: dict, pane: int, unit: int) -> dict:
    return next(item for item in state["panes"][pane]["movers"][0]["items"] if item["id"] == unit)


def _roads(folder: Path) -> int:
    """Roads of the run's city, each two-way road once (counted from the city, not by the viewer)."""
    from twin.present.stored import StoredRun

    drive = StoredRun.read(folder).city.drive
    return len({(min(u, v), max(u, v)) for u, v in zip(drive.edge_u.tolist(), drive.edge_v.tolist())})


@pytest.mark.parametrize("page", [("run_a",)], indirect=True)
def test_replay_draws_the_city_plays_and_shows_a_units_timeline(page, run_a: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver, viewer = page
    state = _state(driver)
    assert len(state["panes"]) == 1 and state["duration"] == 3 * 3600
    assert state["panes"][0]["edgesDrawn"] == _roads(run_a)
    assert _painted_share(driver, 0) > 0.01, "the road network should cover part of the map"

    events = pd.read_parquet(run_a / "events.parquet")
    leaves = events[events["kind"] == "UnitEnRoute"].iloc[0]
    unit, left = int(leaves["unit"]), float(leaves["time"])
    arrives = float(events[(events["kind"] == "UnitOnScene") & (events["unit"] == unit)]["time"].iloc[0])

    # A little before the first unit leaves: it stands at its station; play at 10x and it drives off.
    _seek(driver, left - 5)
    before = _unit(_wait(driver, lambda s: abs(s["t"] - (left - 5)) < 1 and s["panes"][0]["drawnAt"] == s["t"],
                         "the seek"), 0, unit)
    _set_speed(driver, 10)
    driver.find_element(By.ID, "play").click()
    moving = _wait(driver, lambda s: s["playing"] and s["panes"][0]["drawnAt"] > left + 2, "the unit to drive")
    driver.find_element(By.ID, "play").click()  # pause
    state = _wait(driver, lambda s: not s["playing"] and s["panes"][0]["drawnAt"] == s["t"], "pause")
    assert moving["panes"][0]["drawnAt"] < arrives, "the browser is too slow to see the drive at 10x"
    during = _unit(moving, 0, unit)
    assert (during["x"], during["y"]) != (before["x"], before["y"]), "the unit should have moved"
    assert during["style"] == "en_route" and before["style"] != "en_route"
    assert moving["panes"][0]["kpis"]["Units busy now"].split(" of ")[0] != "0"

    # Click the unit where it stopped: its timeline lists its events from the log.
    after = _unit(state, 0, unit)
    _click_at(driver, 0, after["sx"], after["sy"])
    state = _wait(driver, lambda s: s["selection"] and s["selection"]["events"] is not None, "the unit's timeline")
    assert (state["selection"]["ref"], state["selection"]["id"]) == ("unit", unit)
    assert state["selection"]["events"] == int((events["unit"] == unit).sum())
    panel = driver.find_element(By.ID, "details-body").text
    assert "Unit dispatched" in panel and "Unit en route" in panel

    # Click the incident it drives to, just after its call (no unit near it yet): its timeline.
    incident = int(leaves["incident"])
    called = float(events[(events["kind"] == "CallReceived") & (events["incident"] == incident)]["time"].iloc[0])
    _seek(driver, called + 1)
    state = _wait(driver, lambda s: abs(s["t"] - called - 1) < 1 and s["panes"][0]["drawnAt"] == s["t"], "the seek")
    marker = next(m for m in state["panes"][0]["markers"][0]["shown"] if m["id"] == incident)
    _click_at(driver, 0, marker["sx"], marker["sy"])
    state = _wait(driver, lambda s: s["selection"]["ref"] == "incident" and s["selection"]["events"], "the incident")
    assert state["selection"]["id"] == incident
    assert state["selection"]["events"] == int((events["incident"] == incident).sum())
    assert "Call received" in driver.find_element(By.ID, "details-body").text
    driver.save_screenshot(str(tmp_path / "replay.png"))


@pytest.mark.parametrize("page", [("run_a", "run_b")], indirect=True)
def test_side_by_side_panes_follow_one_clock(page, run_a: Path, run_b: Path) -> None:
    """Each pane shows its own run at the shared time, exactly where the server's frame puts its units."""
    import json
    from urllib.request import urlopen

    driver, viewer = page
    state = _state(driver)
    assert [p["folder"] for p in state["panes"]] == [str(run_a), str(run_b)]
    assert all(p["edgesDrawn"] == _roads(run_a) for p in state["panes"])
    assert all(_painted_share(driver, i) > 0.01 for i in range(2))
    assert [len(p["movers"][0]["items"]) for p in state["panes"]] == [10, 12]  # B has two more ambulances

    for t in (2600.0, 6000.0, 9000.0):
        _seek(driver, t)
        state = _wait(driver, lambda s, t=t: abs(s["t"] - t) < 0.5 and all(p["drawnAt"] == s["t"] for p in s["panes"]),
                      f"both panes drawn at t = {t}")
        for pane in range(2):
            with urlopen(f"{viewer.url}api/runs/{pane}/frame?t={state['t']}") as response:
                frame = json.load(response)
            for item in state["panes"][pane]["movers"][0]["items"]:
                expected = frame["movers"][0]["items"][str(item["id"])]
                assert (item["x"], item["y"]) == pytest.approx((expected["x"], expected["y"]), abs=0.2)
                assert item["style"] == expected["style"]
            shown = {str(m["id"]): m["style"] for m in state["panes"][pane]["markers"][0]["shown"]}
            assert shown == frame["markers"][0]["items"]
