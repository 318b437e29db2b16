"""Road traffic: background volumes, congestion, traffic signals, preemption, collisions, smart crosswalks.

Every street carries a background volume by road class and hour; links slow
down with volume (the BPR function) and traffic lights add Webster's delay on
their approaches, with fixed-time or actuated timings (policies of concern
``signals``). The system offers the resulting per-edge travel times to other
systems (``edge_travel_time_s``: the response system routes on them); with
preemption, equipped signals cost emergency vehicles no delay, and the delay
this adds to cross traffic is estimated. Collisions are drawn from exposure and
reported to the response system as incidents; smart crosswalks lower the
pedestrian risk where installed. See ``docs/traffic.md``.
"""

from twin.systems.traffic.system import TrafficSystem

__all__ = ["TrafficSystem"]
