"""Which points lie inside an area: a polygon or a circle, in metres."""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt


@numba.njit(cache=True)
def points_in_polygon(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_]:
    """Even-odd test of each point against one simple polygon.

    A ray cast from the point to the right crosses the boundary an odd number
    of times exactly when the point is inside. Points exactly on the boundary
    may fall either way.

    Parameters
    ----------
    x, y : ndarray of float64, shape (n,)
        The points, metres.
    px, py : ndarray of float64, shape (k,)
        The polygon's vertices in order, metres (k >= 3; closing it is optional).

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    n = x.size
    k = px.size
    inside = np.zeros(n, dtype=np.bool_)
    xmin, xmax, ymin, ymax = px.min(), px.max(), py.min(), py.max()
    for i in range(n):
        xi = x[i]
        yi = y[i]
        if xi < xmin or xi > xmax or yi < ymin or yi > ymax:
            continue
        odd = False
        j = k - 1
        for m in range(k):
            if (py[m] > yi) != (py[j] > yi):
                cross = px[m] + (yi - py[m]) * (px[j] - px[m]) / (py[j] - py[m])
                if xi < cross:
                    odd = not odd
            j = m
        inside[i] = odd
    return inside


@numba.njit(cache=True)
def points_in_circle(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    cx: float,
    cy: float,
    radius: float,
) -> npt.NDArray[np.bool_]:
    """Whether each point lies within ``radius`` metres of ``(cx, cy)`` (boundary included)."""
    n = x.size
    inside = np.empty(n, dtype=np.bool_)
    r2 = radius * radius
    for i in range(n):
        dx = x[i] - cx
        dy = y[i] - cy
        inside[i] = dx * dx + dy * dy <= r2
    return inside
