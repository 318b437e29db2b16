"""Small OSM XML files written by tests."""

from __future__ import annotations

from pathlib import Path

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="twin-tests">\n'


def write_osm(path: Path, nodes: list[tuple[int, float, float, dict[str, str]]],
              ways: list[tuple[int, list[int], dict[str, str]]]) -> Path:
    """Write nodes ``(id, lat, lon, tags)`` and ways ``(id, node ids, tags)`` as OSM XML."""
    lines = [HEADER]
    for node_id, lat, lon, tags in nodes:
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}">{tag_xml}</node>\n')
    for way_id, refs, tags in ways:
        body = "".join(f'<nd ref="{r}"/>' for r in refs) + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{way_id}" version="1">{body}</way>\n')
    lines.append("</osm>\n")
    path.write_text("".join(lines))
    return path


def grid_osm(path: Path, size: int = 4, spacing_deg: float = 0.001, **extra_way_tags: str) -> Path:
    """A ``size`` × ``size`` grid of two-way residential streets near Helsinki.

    Node ``1`` (the corner) is a traffic signal; one police station sits mid-grid.
    """
    nodes = []
    for r in range(size):
        for c in range(size):
            tags = {"highway": "traffic_signals"} if (r, c) == (0, 0) else {}
            nodes.append((1 + r * size + c, 60.17 + r * spacing_deg, 24.94 + c * spacing_deg, tags))
    nodes.append((9999, 60.17 + spacing_deg, 24.94 + spacing_deg * 1.5, {"amenity": "police", "name": "Test"}))
    ways = []
    for r in range(size):
        ways.append((100 + r, [1 + r * size + c for c in range(size)], {"highway": "residential", **extra_way_tags}))
    for c in range(size):
        ways.append((200 + c, [1 + r * size + c for r in range(size)], {"highway": "residential", **extra_way_tags}))
    return write_osm(path, nodes, ways)
