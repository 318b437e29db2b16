"""Confidence intervals of replication means and of paired differences.

Each replication gives one number per KPI (a mean travel time, say). The
replication means are independent draws, so their average has a Student t
confidence interval. Two variants run with the same seed for replication ``i``
(common random numbers) see the same incidents, so the difference B − A of
replication ``i`` cancels most of the noise: the paired interval is much narrower
than the two separate intervals would suggest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

CONFIDENCE = 0.95

Direction = Literal["lower", "higher", "neutral"]


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval.

    ``low`` and ``high`` are NaN when fewer than two values were given (no
    spread can be estimated from one replication).
    """

    n: int
    mean: float
    sd: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the interval's width, in the KPI's unit."""
        return (self.high - self.low) / 2


def mean_ci(values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student t confidence interval of independent values.

    Parameters
    ----------
    values : array_like
        One value per replication, in the KPI's unit; NaN values are ignored.
    confidence : float
        Two-sided confidence level, e.g. 0.95.

    Returns
    -------
    Interval
        ``mean ± t(1 - (1 - confidence)/2, n - 1) · sd / √n``.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return Interval(1, mean, math.nan, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(n, mean, sd, mean - half, mean + half)


@dataclass(frozen=True)
class PairedDifference:
    """B − A over paired replications, its interval, p-value and verdict."""

    diff: Interval
    p_value: float
    verdict: str


def paired_difference(a: np.ndarray | list[float], b: np.ndarray | list[float], direction: Direction,
                      confidence: float = CONFIDENCE) -> PairedDifference:
    """Compare variant B with variant A on one KPI, replication by replication.

    Parameters
    ----------
    a, b : array_like
        The KPI in replication ``i`` of A and of B (same seed ``i``); pairs where
        either is NaN are dropped.
    direction : {"lower", "higher", "neutral"}
        Which way is better for this KPI (see :func:`twin.present.kpis.direction`).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    PairedDifference
        The interval of ``b - a``, the paired t-test's p-value, and the verdict on
        B: ``"better"``, ``"worse"``, ``"no significant difference"``, or for a
        neutral KPI ``"higher"`` / ``"lower"``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    d = b[keep] - a[keep]
    diff = mean_ci(d, confidence)
    if diff.n < 2:
        p = math.nan
    elif diff.sd == 0:
        # Every pair moved by the same amount: certain, and scipy would divide by zero.
        p = 1.0 if diff.mean == 0 else 0.0
    else:
        p = float(stats.ttest_rel(b[keep], a[keep]).pvalue)
    return PairedDifference(diff, p, verdict(diff, direction))


def verdict(diff: Interval, direction: Direction) -> str:
    """The verdict on B from the interval of B − A: significant when it excludes 0."""
    if diff.n < 2 or not (diff.low > 0 or diff.high < 0):
        return "no significant difference"
    higher = diff.low > 0
    if direction == "neutral":
        return "higher" if higher else "lower"
    return "better" if higher == (direction == "higher") else "worse"
