"""Where the sun is, for switching lights at dusk and dawn.

A photocell on a lamp post switches at a light level; planners and this model
say the same with the sun's elevation: it is *dark* when the sun is more than
``depression`` degrees below the horizon, 6° for civil twilight (the classic
"lighting-up time"). Elevations come from astral (NOAA's solar equations) for the
city's centre; over a city tens of kilometres wide the switching times differ by
a minute or two, less than a lighting tick.

The scenario's start is a wall-clock time in the city. Which clock is resolved
by :func:`local_zone`: an IANA zone given in the scenario (``Europe/Helsinki``,
daylight saving included), else the start's own time zone if it has one, else
the fixed offset of the mean solar zone (``round(longitude / 15)`` hours), which
ignores daylight saving.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import dawn, dusk, elevation

#: The sun's depression below the horizon at civil dusk and dawn, degrees.
CIVIL_DEPRESSION_DEG = 6.0


def local_zone(start: datetime, longitude: float, name: str | None = None) -> tzinfo:
    """The time zone of the scenario's clock.

    Parameters
    ----------
    start : datetime
        The scenario's start (naive = local wall-clock time).
    longitude : float
        The city's longitude, degrees east.
    name : str, optional
        An IANA time-zone name; wins over everything else.
    """
    if name:
        return ZoneInfo(name)
    if start.tzinfo is not None:
        return start.tzinfo
    return timezone(timedelta(hours=round(longitude / 15.0)))


class Sun:
    """The sun over one place.

    Parameters
    ----------
    latitude, longitude : float
        Degrees (WGS 84).
    zone : tzinfo
        The zone of naive datetimes handed to the methods (see :func:`local_zone`).
    """

    def __init__(self, latitude: float, longitude: float, zone: tzinfo) -> None:
        self.observer = Observer(latitude=float(latitude), longitude=float(longitude))
        self.zone = zone

    def _aware(self, when: datetime) -> datetime:
        return when.replace(tzinfo=self.zone) if when.tzinfo is None else when

    def elevation_deg(self, when: datetime) -> float:
        """The sun's apparent elevation above the horizon at ``when``, degrees (with
        atmospheric refraction, as astral's dusk, dawn, sunrise and sunset)."""
        return float(elevation(self.observer, self._aware(when).astimezone(UTC)))

    def is_dark(self, when: datetime, depression_deg: float = CIVIL_DEPRESSION_DEG) -> bool:
        """Whether the sun is more than ``depression_deg`` degrees below the horizon."""
        return self.elevation_deg(when) < -depression_deg

    def dusk_dawn(self, day: date, depression_deg: float = CIVIL_DEPRESSION_DEG) -> tuple[datetime, datetime] | None:
        """The night that starts on the evening of ``day``: its dusk and the following dawn, local time.

        Near midsummer at high latitudes dusk falls after midnight, on the next
        date; it still belongs to this night. Returns ``None`` when the sun does
        not go ``depression_deg`` below the horizon that night (white nights).
        """
        noon = datetime.combine(day, time(12), tzinfo=self.zone)
        try:
            evening = next(t for t in (dusk(self.observer, d, depression_deg, tzinfo=self.zone)
                                       for d in (day, day + timedelta(days=1))) if t >= noon)
            morning = next(t for t in (dawn(self.observer, d, depression_deg, tzinfo=self.zone)
                                       for d in (day, day + timedelta(days=1), day + timedelta(days=2)))
                           if t > evening)
        except (ValueError, StopIteration):
            return None
        return evening, morning
