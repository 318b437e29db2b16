"""Reports: a run's report drawn from its folder, comparison and sweep reports, their figures.

>>> build_report(Path("outputs/baseline/20261102-000000-seed1"))      # doctest: +SKIP

writes ``report.md`` and its PNGs under ``figures/`` in that folder. Nothing here
knows a system: each installed system draws its own section
(:meth:`twin.sim.system.System.report`).
"""

from twin.report.run_report import build_report

__all__ = ["build_report"]
