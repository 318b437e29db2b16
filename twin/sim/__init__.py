"""The engine: a mesa model that owns a simpy environment, an event bus and random streams."""

from twin.sim.bus import EventBus
from twin.sim.events import Event
from twin.sim.log import EventLog
from twin.sim.model import CityModel
from twin.sim.rng import RandomStreams
from twin.sim.system import System

__all__ = ["CityModel", "Event", "EventBus", "EventLog", "RandomStreams", "System"]
