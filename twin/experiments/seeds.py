"""Seeds of replications: one base seed in, N independent run seeds out.

A replication is the same scenario run again with other dice. Each
replication's seed is derived from the base seed and its index with numpy's
:class:`~numpy.random.SeedSequence` spawning, so replication 3 of base seed 1 is
always the same number (whatever the executor, the order in which runs finish,
or how many replications there are), and the streams of different replications
are statistically independent. The seeds are recorded in every output so any
single replication can be rerun with ``python run.py run SCENARIO --seed S``.
"""

from __future__ import annotations

import numpy as np


def replication_seeds(base_seed: int, n: int) -> list[int]:
    """The run seeds of replications ``0 .. n-1`` of ``base_seed``.

    Parameters
    ----------
    base_seed : int
        The experiment's seed (non-negative), e.g. the scenario's ``run.seed``.
    n : int
        Number of replications (≥ 1).

    Returns
    -------
    list of int
        ``n`` distinct non-negative seeds below 2**63; the first ``k`` are the same
        for any ``n ≥ k``.
    """
    if base_seed < 0:
        raise ValueError(f"the base seed must be non-negative, got {base_seed}")
    children = np.random.SeedSequence(base_seed).spawn(n)
    # 63 bits: fits a signed int64 column in Parquet and is a valid scenario seed.
    seeds = [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]
    if len(set(seeds)) != len(seeds):  # about 1 in 10^13 for n = 10,000; fail loudly rather than repeat a run
        raise RuntimeError(f"replication seeds of base {base_seed} collide; use another base seed")
    return seeds
