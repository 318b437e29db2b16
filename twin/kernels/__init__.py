"""Numba kernels over plain numpy arrays; they know nothing of the simulation.

Routing on a directed road graph in CSR form (see ``twin.kernels.dijkstra``
for the array conventions):

- ``dijkstra``, ``dijkstra_multi_source``, ``dijkstra_bounded``,
  ``many_to_many``, ``path_to`` -- shortest-path searches;
- ``select_landmarks``, ``astar_landmarks`` -- fast point-to-point queries (ALT);
- ``make_workspace`` / ``Workspace`` -- reusable search state for repeated small searches.
"""

from twin.kernels.dijkstra import (
    dijkstra,
    dijkstra_bounded,
    dijkstra_multi_source,
    many_to_many,
    path_to,
)
from twin.kernels.point_to_point import astar_landmarks, select_landmarks
from twin.kernels.workspace import Workspace, make_workspace

__all__ = [
    "Workspace",
    "astar_landmarks",
    "dijkstra",
    "dijkstra_bounded",
    "dijkstra_multi_source",
    "make_workspace",
    "many_to_many",
    "path_to",
    "select_landmarks",
]
