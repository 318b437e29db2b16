"""A stored run turned into what the replay page reads: JSON documents, and frames at a time.

The page gets two documents per run, both cached here once:

- the **scene**: what does not change with time — the run's name, clock start and
  length, the road network (drive edges as polylines, each two-way road once) and
  the systems' fixed sites;
- the **replay**: what does — the systems' markers, movers, numbers and lists
  (:mod:`twin.present.replay`), each sorted by time.

Three views serve a client that follows a run as it goes (a live run later, the
tabletop console): the log's **events** between two times, a **frame** (every
item's state at one time, computed as the page computes it) and an item's
**timeline** (its events). The replay reads them from the stored log; a live
source would answer the same questions from the running model.

Positions are metres relative to the scene's ``origin`` (the south-west corner of
the network), rounded to 0.1 m; times are simulated seconds since the start.
Nothing here names a system: each contributes through ``System.replay(run)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.present.replay import Markers, Movers, Replay, Series, Spans, Style
from twin.present.stored import EVENTS_FILE, StoredRun
from twin.sim.system import System, available

#: Columns of the event log every event has (the rest is kind-specific, in ``data`` or typed columns).
_LOG_COLUMNS = ("seq", "kind", "time", "incident", "unit", "node", "x", "y", "data")


def _round(values: Any, decimals: int = 1) -> list[float | None]:
    """A float array as a JSON list, rounded (NaN → None)."""
    array = np.round(np.asarray(values, dtype=float), decimals)
    return [None if not math.isfinite(v) else v for v in array.tolist()]


def _times(values: Any) -> list[float | None]:
    """Times as a JSON list, to the hundredth of a second, rounded down: a change is never shown late."""
    array = np.floor(np.asarray(values, dtype=float) * 100) / 100
    return [None if not math.isfinite(v) else v for v in array.tolist()]


def _styles(styles: tuple[Style, ...]) -> list[dict[str, Any]]:
    return [{"key": s.key, "label": s.label, "colour": s.colour, "faded": s.faded, "legend": s.legend,
             "pulse": s.pulse} for s in styles]


def _grouped(ids: np.ndarray, frame: pd.DataFrame, columns: dict[str, int | None]) -> list[dict[str, list]]:
    """Rows of ``frame`` (with an ``id`` column, sorted by time) split per item of ``ids``, as column lists.

    ``columns`` maps each column to its decimals (None: keep as is); ``time_s`` is rounded down (:func:`_times`).
    """
    groups = {key: part for key, part in frame.groupby("id", sort=False)} if len(frame) else {}
    out = []
    for item in ids.tolist():
        part = groups.get(item)
        entry = {}
        for name, decimals in columns.items():
            values = part[name].to_numpy() if part is not None else np.zeros(0)
            if name == "time_s":
                entry[name] = _times(values)
            else:
                entry[name] = _round(values, decimals) if decimals is not None else values.tolist()
        out.append(entry)
    return out


def _style_index(frame: pd.DataFrame, styles: tuple[Style, ...], where: str) -> pd.DataFrame:
    keys = {s.key: i for i, s in enumerate(styles)}
    unknown = set(frame["style"]) - set(keys)
    if unknown:
        raise TwinError(f"{where}: changes name styles it does not declare: {', '.join(sorted(map(str, unknown)))}")
    return frame.assign(style=frame["style"].map(keys).astype(int))


def _state_at(times: np.ndarray, t: float) -> int:
    """Index of the last time ≤ ``t`` in sorted ``times`` (-1: none)."""
    return int(np.searchsorted(times, t, side="right")) - 1


@dataclass
class ReplaySource:
    """One stored run, read and turned into the page's documents.

    Attributes
    ----------
    run : StoredRun
        The run folder, read back.
    parts : list of (System class, Replay)
        What each configured system contributes.
    """

    run: StoredRun
    parts: list[tuple[type[System], Replay]]
    _cache: dict[str, bytes] = field(default_factory=dict, repr=False)
    _parsed: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, folder: Path) -> ReplaySource:
        """Read run folder ``folder`` and ask each of its systems for its part.

        Raises
        ------
        TwinError
            Not a run folder (a folder of replications or a comparison names the way to one).
        """
        return cls.of(read_run(folder))

    @classmethod
    def of(cls, run: StoredRun) -> ReplaySource:
        """Ask each of the systems of ``run`` for its part."""
        parts = []
        for section, system in available().items():
            if run.scenario.get(section) is None:
                continue
            part = system.replay(run.of(system))
            if part is not None:
                parts.append((system, part))
        return cls(run, parts)

    # --- the documents ---------------------------------------------------------------------------

    @property
    def origin(self) -> tuple[float, float]:
        """The south-west corner of the road network, metres: positions on the page are relative to it."""
        drive = self.run.city.drive
        return float(np.min(drive.x)), float(np.min(drive.y))

    def meta(self) -> dict[str, Any]:
        """Name, seed, clock start and length of the run, its city and where it is kept."""
        run = self.run
        return {"name": run.name, "folder": str(run.folder), "seed": run.seed, "version": run.version,
                "start": run.start.isoformat(), "duration_s": run.duration_s, "warmup_s": run.warmup_s,
                "timezone": str(run.run_settings.get("timezone") or ""),
                "city": run.city_source, "crs": run.city.crs,
                "systems": [system.title or system.section for system, _ in self.parts]}

    def network(self) -> dict[str, Any]:
        """The drive network: one polyline per road (a two-way road once), flat ``[x0, y0, x1, y1, …]``, and
        its road class (0 motorway … 10 other, :data:`twin.city.network.ROAD_CLASSES`)."""
        drive = self.run.city.drive
        x0, y0 = self.origin
        u, v = drive.edge_u, drive.edge_v
        keep = np.ones(len(u), dtype=bool)
        seen: set[tuple[int, int]] = set()
        for e, (a, b) in enumerate(zip(u.tolist(), v.tolist())):
            key = (a, b) if a < b else (b, a)
            if key in seen:
                keep[e] = False
            else:
                seen.add(key)
        paths = []
        for line in (line for line, kept in zip(drive.edge_polylines(), keep) if kept):
            flat = np.column_stack([line[:, 0] - x0, line[:, 1] - y0]).ravel()
            paths.append(_round(flat, 1))
        return {"paths": paths, "road_class": drive.edge_class[keep].astype(int).tolist(),
                "extent": _round([0.0, 0.0, float(np.max(drive.x)) - x0, float(np.max(drive.y)) - y0], 1)}

    def scene(self) -> dict[str, Any]:
        """What does not change with time: meta, origin, network, sites, notes."""
        x0, y0 = self.origin
        sites = [{"title": s.title, "symbol": s.symbol, "colour": s.colour, "x": _round(s.x - x0),
                  "y": _round(s.y - y0), "labels": list(s.labels)}
                 for _, part in self.parts for s in part.sites]
        return {"meta": self.meta(), "origin": [x0, y0], "network": self.network(), "sites": sites,
                "notes": [note for _, part in self.parts for note in part.notes]}

    def replay(self) -> dict[str, Any]:
        """What changes with time: markers, movers, series and lists of every system, sorted by time."""
        return {"markers": [self._markers(m) for _, part in self.parts for m in part.markers],
                "movers": [self._movers(m) for _, part in self.parts for m in part.movers],
                "series": [self._series(s) for _, part in self.parts for s in part.series],
                "spans": [self._spans(s) for _, part in self.parts for s in part.spans]}

    def _markers(self, m: Markers) -> dict[str, Any]:
        x0, y0 = self.origin
        changes = _style_index(m.changes.sort_values("time_s", kind="stable"), m.styles, m.title)
        return {"title": m.title, "ref": m.ref, "ids": m.ids.tolist(), "x": _round(m.x - x0), "y": _round(m.y - y0),
                "labels": list(m.labels), "styles": _styles(m.styles),
                "states": _grouped(m.ids, changes, {"time_s": 2, "style": None})}

    def _movers(self, m: Movers) -> dict[str, Any]:
        x0, y0 = self.origin
        track = m.track.sort_values(["id", "time_s"], kind="stable").assign(x=lambda f: f["x"] - x0,
                                                                            y=lambda f: f["y"] - y0)
        changes = _style_index(m.changes.sort_values("time_s", kind="stable"), m.styles, m.title)
        return {"title": m.title, "ref": m.ref, "ids": m.ids.tolist(), "labels": list(m.labels),
                "letters": list(m.letters), "styles": _styles(m.styles), "note": m.note,
                "tracks": _grouped(m.ids, track, {"time_s": 2, "x": 1, "y": 1}),
                "states": _grouped(m.ids, changes, {"time_s": 2, "style": None})}

    @staticmethod
    def _series(s: Series) -> dict[str, Any]:
        return {"label": s.label, "kind": s.kind, "total": s.total, "note": s.note, "time_s": _times(s.time_s),
                "value": _round(s.value, 4)}

    @staticmethod
    def _spans(s: Spans) -> dict[str, Any]:
        order = np.argsort(s.start_s, kind="stable")
        return {"title": s.title, "ref": s.ref, "ids": s.ids[order].tolist(), "start_s": _times(s.start_s[order]),
                "end_s": _times(s.end_s[order]), "labels": [s.labels[i] for i in order]}

    def document(self, name: str) -> bytes:
        """``"scene"`` or ``"replay"`` as UTF-8 JSON, built once."""
        if name not in self._cache:
            builder = {"scene": self.scene, "replay": self.replay}[name]
            self._cache[name] = json.dumps(builder(), separators=(",", ":"), allow_nan=False).encode()
        return self._cache[name]

    # --- views for a client that follows the run -------------------------------------------------------

    def clock(self, time_s: float) -> str:
        """The local clock time of simulated second ``time_s`` (ISO 8601, to the second)."""
        return (self.run.start + timedelta(seconds=float(time_s))).isoformat(timespec="seconds")

    def _rows(self, events: pd.DataFrame) -> list[dict[str, Any]]:
        """Events as JSON rows: common fields (ids of -1 and NaN positions as null), clock time, kind-specific fields."""
        x0, y0 = self.origin
        rows = []
        extra = [c for c in events.columns if c not in (*_LOG_COLUMNS, "clock")]
        for record in events.to_dict("records"):
            clock = record.get("clock")  # a newer log keeps the clock time, with its offset
            clock = clock.isoformat(timespec="seconds") if hasattr(clock, "isoformat") else self.clock(record["time"])
            row: dict[str, Any] = {"seq": int(record["seq"]), "kind": str(record["kind"]),
                                   "time_s": round(float(record["time"]), 3), "clock": clock}
            for name in ("incident", "unit", "node"):
                value = record.get(name)
                row[name] = None if value is None or pd.isna(value) or int(value) < 0 else int(value)
            for name, zero in (("x", x0), ("y", y0)):
                value = record.get(name)
                row[name] = None if value is None or pd.isna(value) else round(float(value) - zero, 1)
            data = record.get("data")
            fields = json.loads(data) if isinstance(data, str) and data else {}
            for name in extra:  # typed columns a newer log may carry
                value = record[name]
                if value is not None and not (isinstance(value, float) and math.isnan(value)) and name not in fields:
                    fields[name] = value.isoformat() if hasattr(value, "isoformat") else value
            row["data"] = {k: v for k, v in fields.items()
                           if not (isinstance(v, float) and not math.isfinite(v))}
            rows.append(row)
        return rows

    def events(self, since: float = 0.0, until: float = math.inf, limit: int = 1000) -> dict[str, Any]:
        """The log's events with ``since <= time < until``, in publication order, at most ``limit`` of them.

        Returns ``{"events": [...], "more": bool, "next": float | None}``: with ``more``, ask again
        from ``next`` (the time of the first event left out; events at one time are never split).
        """
        log = self.run.events
        chosen = log[(log["time"] >= since) & (log["time"] < until)].sort_values("seq", kind="stable")
        more = len(chosen) > limit
        if more:
            cut = float(chosen["time"].iloc[limit])
            kept = chosen[chosen["time"] < cut]
            if kept.empty:  # more than ``limit`` events at one time: send them all
                kept = chosen[chosen["time"] <= cut]
                rest = chosen[chosen["time"] > cut]
                cut = float(rest["time"].min()) if len(rest) else None
                more = cut is not None
            chosen = kept
        return {"events": self._rows(chosen), "more": more, "next": cut if more else None}

    def refs(self) -> set[str]:
        """The event-log columns the page may ask a timeline by (the layers' ``ref``)."""
        found = set()
        for _, part in self.parts:
            found.update(layer.ref for layer in (*part.markers, *part.movers, *part.spans))
        return found

    def timeline(self, ref: str, item: int) -> dict[str, Any]:
        """Item ``item``'s events: the log's rows whose column ``ref`` is ``item``.

        Raises
        ------
        TwinError
            ``ref`` is no layer's id column.
        """
        if ref not in self.refs():
            raise TwinError(f"ref: {ref!r} is not a layer's id column (known: {', '.join(sorted(self.refs()))})")
        log = self.run.events
        label = self._label(ref, item)
        return {"ref": ref, "id": int(item), "label": label,
                "events": self._rows(log[log[ref] == item].sort_values("seq", kind="stable"))}

    def _label(self, ref: str, item: int) -> str:
        for _, part in self.parts:
            for layer in (*part.movers, *part.markers):
                if layer.ref == ref:
                    where = np.flatnonzero(layer.ids == item)
                    if len(where):
                        return layer.labels[int(where[0])]
        return f"{ref} {item}"

    def frame(self, time_s: float) -> dict[str, Any]:
        """Every item's state at simulated second ``time_s``, as the page draws it.

        Returns
        -------
        dict
            ``time_s``, ``clock``; ``movers``: per layer, ``{id: {"x", "y", "style"}}`` (metres
            from the origin, straight between track points); ``markers``: per layer, the items
            shown (appeared by then) with their style; ``series``: per label, the value (None
            before its first time); ``spans``: per list, the ids of the open entries.
        """
        t = float(time_s)
        if "replay" not in self._parsed:
            self._parsed["replay"] = json.loads(self.document("replay"))
        doc = self._parsed["replay"]
        movers = []
        for layer in doc["movers"]:
            items = {}
            for item, track, states in zip(layer["ids"], layer["tracks"], layer["states"]):
                times = np.asarray(track["time_s"], dtype=float)
                if not len(times):
                    continue
                i = _state_at(times, t)
                if i < 0:
                    x, y = track["x"][0], track["y"][0]
                elif i >= len(times) - 1 or times[i + 1] == times[i]:
                    x, y = track["x"][i], track["y"][i]
                else:
                    share = (t - times[i]) / (times[i + 1] - times[i])
                    x = track["x"][i] + share * (track["x"][i + 1] - track["x"][i])
                    y = track["y"][i] + share * (track["y"][i + 1] - track["y"][i])
                s = _state_at(np.asarray(states["time_s"], dtype=float), t)
                style = layer["styles"][states["style"][s]]["key"] if s >= 0 else None
                items[str(item)] = {"x": round(x, 1), "y": round(y, 1), "style": style}
            movers.append({"title": layer["title"], "items": items})
        markers = []
        for layer in doc["markers"]:
            shown = {}
            for item, states in zip(layer["ids"], layer["states"]):
                s = _state_at(np.asarray(states["time_s"], dtype=float), t)
                if s >= 0:
                    shown[str(item)] = layer["styles"][states["style"][s]]["key"]
            markers.append({"title": layer["title"], "items": shown})
        series = {}
        for s in doc["series"]:
            i = _state_at(np.asarray(s["time_s"], dtype=float), t)
            series[s["label"]] = s["value"][i] if i >= 0 else None
        spans = []
        for s in doc["spans"]:
            start = np.asarray(s["start_s"], dtype=float)
            end = np.asarray([math.inf if e is None else e for e in s["end_s"]], dtype=float)
            open_now = (start <= t) & (t < end)
            spans.append({"title": s["title"], "ids": [s["ids"][i] for i in np.flatnonzero(open_now)]})
        return {"time_s": t, "clock": self.clock(t), "movers": movers, "markers": markers, "series": series,
                "spans": spans}


def read_run(folder: Path) -> StoredRun:
    """A run folder, read back (a folder of replications or a comparison is refused with the way to a run)."""
    folder = Path(folder)
    if folder.is_dir() and not (folder / EVENTS_FILE).is_file() and (folder / "summary.json").is_file():
        raise TwinError(f"{folder}: a folder of replications or a comparison keeps KPIs, not runs; "
                        "replay one run folder (`python run.py run SCENARIO --seed N`, or "
                        "`python run.py report DIR --replication I` to run replication I again)")
    return StoredRun.read(folder)


def read_sources(folders: list[Path]) -> list[ReplaySource]:
    """Read the runs to show: one, or a pair side by side (the same city; a different seed is said).

    Raises
    ------
    TwinError
        A folder that is not a run, more than two, or a pair on different cities.
    """
    if not 1 <= len(folders) <= 2:
        raise TwinError(f"view: give one run folder, or two to see side by side (got {len(folders)})")
    runs = [read_run(folder) for folder in folders]
    if len(runs) == 2:
        a, b = runs
        if a.city_source != b.city_source:
            raise TwinError(f"{b.folder}: city {b.city_source!r}, but {a.folder} ran on {a.city_source!r}; "
                            "side by side needs two runs of the same city")
    return [ReplaySource.of(run) for run in runs]


def pair_warning(sources: list[ReplaySource]) -> str:
    """What a reader of a pair should know: different seeds mean different incidents ("" when none)."""
    if len(sources) == 2 and sources[0].run.seed != sources[1].run.seed:
        return (f"the runs have different seeds ({sources[0].run.seed} and {sources[1].run.seed}): their incidents "
                "differ by chance too, not only by the scenario")
    return ""
