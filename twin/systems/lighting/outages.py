"""Lamp failures and repairs: a layer under any lighting policy.

Each working luminaire fails at a constant rate (failures per light-year,
around the clock), independently of the others; a failed one gives no light and
draws no power until the repair crew has fixed it, a random :class:`Duration`
after the failure. Over a step of ``dt`` seconds with ``W`` working lights the
number of failures is Poisson with mean ``rate · W · dt / year``; which lights
fail is a uniform draw without replacement among the working ones, so busy
segments with many lights fail more often, as they should.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.sim.config import Duration

#: Seconds in a (Julian) year.
YEAR_S = 365.25 * 86400.0


@dataclass(frozen=True)
class OutageStep:
    """What changed in one step: per affected segment, how many lights.

    Attributes
    ----------
    failed_segments, failed_lights : int64 arrays
        Segments with new failures, and how many of their lights failed.
    repaired_segments, repaired_lights : int64 arrays
        Segments with repairs, and how many lights were repaired.
    repaired_down_s : float64 array
        Total downtime of the repaired lights of each segment, seconds.
    """

    failed_segments: np.ndarray
    failed_lights: np.ndarray
    repaired_segments: np.ndarray
    repaired_lights: np.ndarray
    repaired_down_s: np.ndarray


class Outages:
    """Failed luminaires per segment and the repairs under way.

    Parameters
    ----------
    counts : int64[s]
        Luminaires per segment.
    rate_per_light_year : float
        Failures per luminaire per year (≥ 0).
    repair : Duration
        Time from failure to repair, seconds.
    fail_rng, repair_rng : numpy Generator
        Streams for failures and for repair times (separate, for common random numbers).
    """

    def __init__(self, counts: np.ndarray, rate_per_light_year: float, repair: Duration,
                 fail_rng: np.random.Generator, repair_rng: np.random.Generator) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.failed = np.zeros_like(self.counts)
        self.n_lights = int(self.counts.sum())
        self.rate_per_s = rate_per_light_year / YEAR_S
        self.repair = repair
        self.n_failed = 0                # luminaires failed now
        self._fail_rng = fail_rng
        self._repair_rng = repair_rng
        self._due = np.zeros(0)          # repair time of each failed light, s
        self._since = np.zeros(0)        # its failure time, s
        self._segment = np.zeros(0, dtype=np.int64)

    def working_share(self) -> np.ndarray:
        """Share of each segment's luminaires that work (1 on segments without any)."""
        return np.divide(self.counts - self.failed, self.counts, out=np.ones(len(self.counts)),
                         where=self.counts > 0)

    def step(self, t0: float, t1: float) -> OutageStep:
        """Repair what is due by ``t1``, then break lights in ``(t0, t1]`` (seconds)."""
        done = self._due <= t1
        rep_seg, rep_n, rep_down = _sum_by_segment(self._segment[done], self._due[done] - self._since[done])
        self.failed[rep_seg] -= rep_n
        self.n_failed -= int(rep_n.sum())
        self._due, self._since, self._segment = self._due[~done], self._since[~done], self._segment[~done]

        total = self.n_lights - self.n_failed
        k = int(self._fail_rng.poisson(self.rate_per_s * total * (t1 - t0))) if total and t1 > t0 else 0
        k = min(k, total)
        if k:
            picks = self._fail_rng.choice(total, size=k, replace=False)
            segments = np.searchsorted(np.cumsum(self.counts - self.failed), picks, side="right")
            when = t0 + (t1 - t0) * self._fail_rng.random(k)
            due = when + np.asarray(self.repair.sample(self._repair_rng, k), dtype=np.float64)
            self._due = np.concatenate([self._due, due])
            self._since = np.concatenate([self._since, when])
            self._segment = np.concatenate([self._segment, segments])
            fail_seg, fail_n, _ = _sum_by_segment(segments, np.zeros(k))
            self.failed[fail_seg] += fail_n
            self.n_failed += k
        else:
            fail_seg = fail_n = np.zeros(0, dtype=np.int64)
        return OutageStep(fail_seg, fail_n, rep_seg, rep_n, rep_down)


def _sum_by_segment(segments: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique segments, how often each occurs, and the sum of ``values`` per segment."""
    unique, inverse, counts = np.unique(segments, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse.ravel(), values, len(unique)) if len(unique) else np.zeros(0)
    return unique.astype(np.int64), counts.astype(np.int64), sums
