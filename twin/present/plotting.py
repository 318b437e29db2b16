"""What every report figure shares: saving, the clock-time axis, the warm-up band, the grid.

Figures of a run put time on the x axis as the clock time of day (from the
run's start), shade the warm-up that the KPIs leave out, and are written
through a temporary file. Keeping those choices here keeps every figure alike.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

DPI = 150

#: Grid lines of every figure.
GRID_STYLE: dict[str, object] = {"color": "#e0e0e0", "linewidth": 0.6}

#: Colour of the warm-up band.
WARMUP_COLOUR = "#e0e0e0"


def save_figure(fig: plt.Figure, out: Path) -> Path:
    """Write ``fig`` to ``out`` through a temporary file, so a crash never leaves half a PNG."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
    plt.close(fig)
    os.replace(tmp, out)
    return out


def clock_times(time_s: pd.Series, start: datetime) -> pd.Series:
    """Simulated seconds → clock times (``start`` + seconds)."""
    return pd.Timestamp(start) + pd.to_timedelta(time_s, unit="s")


def format_clock_axis(ax: plt.Axes, clock: pd.Series, start: datetime) -> None:
    """Ticks at round clock hours (at most about 12), limits at the first and last sample, a label.

    Parameters
    ----------
    ax : Axes
        The (bottom) axes whose x axis holds clock times.
    clock : Series of Timestamp
        The samples' clock times (:func:`clock_times`).
    start : datetime
        Clock time of simulated second 0, named in the label.
    """
    span_h = (clock.iloc[-1] - pd.Timestamp(start)).total_seconds() / 3600 if len(clock) else 0.0
    step_h = next((h for h in (1, 2, 3, 4, 6, 12, 24) if span_h / h <= 12), 48)
    # byhour, not interval: ticks land on 00:00, 06:00, … whatever the first sample's hour.
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, step_h)) if step_h < 24
                               else mdates.DayLocator())
    multi_day = span_h > 24
    # Past one day, HH:MM alone repeats, so the weekday goes on the label too.
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M" if multi_day else "%H:%M"))
    if len(clock):
        ax.set_xlim(clock.iloc[0], clock.iloc[-1])
    ax.set_xlabel(f"Clock time from {start:%a %d %b %Y %H:%M}")
    if multi_day:
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")


def shade_warmup(axes: Iterable[plt.Axes], clock: pd.Series, start: datetime, warmup_s: float, *,
                 over: Collection[plt.Axes] = ()) -> None:
    """Shade the warm-up (not in the KPIs) on every axes; the first one gets the legend label.

    On the axes in ``over`` the band is translucent and lies over the data, for
    filled areas that would hide a band behind them.
    """
    if warmup_s <= 0 or not len(clock):
        return
    end_warmup = pd.Timestamp(start) + pd.Timedelta(seconds=warmup_s)
    for i, ax in enumerate(axes):
        style = {"color": "#9e9e9e", "alpha": 0.45, "zorder": 5} if ax in over else {"color": WARMUP_COLOUR,
                                                                                       "zorder": 0}
        ax.axvspan(clock.iloc[0], end_warmup, label="warm-up (not in KPIs)" if i == 0 else None, **style)


@dataclass(frozen=True)
class TimePanels:
    """A column of panels sharing one clock-time x axis (:func:`time_panels`).

    Attributes
    ----------
    fig : Figure
    axes : list of Axes
        Top to bottom.
    clock : Series of Timestamp
        The samples' clock times, to plot against.
    start : datetime
        Clock time of simulated second 0.
    """

    fig: plt.Figure
    axes: list[plt.Axes]
    clock: pd.Series
    start: datetime

    def finish(self, out: Path, *, warmup_s: float = 0.0, over: Collection[plt.Axes] = ()) -> Path:
        """Shade the warm-up, add the legends not drawn yet, grid every panel, label the clock axis, save.

        Parameters
        ----------
        out : Path
            The PNG to write.
        warmup_s : float
            End of the warm-up, seconds (shaded; ``over`` as in :func:`shade_warmup`).

        Returns
        -------
        Path
            ``out``.
        """
        shade_warmup(self.axes, self.clock, self.start, warmup_s, over=over)
        for ax in self.axes:
            handles, _ = ax.get_legend_handles_labels()
            if handles and ax.get_legend() is None:
                ax.legend(loc="upper left", fontsize=8, ncols=min(3, len(handles)), framealpha=0.95)
            ax.grid(True, **GRID_STYLE)
        format_clock_axis(self.axes[-1], self.clock, self.start)
        return save_figure(self.fig, out)


def time_panels(timeseries: pd.DataFrame, start: datetime, heights: Sequence[float],
                height_in: float) -> TimePanels:
    """Panels stacked top to bottom over the samples' clock times.

    Parameters
    ----------
    timeseries : DataFrame
        The model's samples, with ``time_s`` (s since the start).
    start : datetime
        Clock time of second 0.
    heights : sequence of float
        Relative height of each panel.
    height_in : float
        Height of the figure, inches (its width is 8).
    """
    fig, axes = plt.subplots(len(heights), 1, figsize=(8, height_in), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": list(heights), "hspace": 0.1})
    return TimePanels(fig, list(axes[:, 0]), clock_times(timeseries["time_s"], start), start)
