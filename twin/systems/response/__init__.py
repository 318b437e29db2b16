"""Emergency response: calls, the dispatch centre, police, ambulance and fire units, hospitals.

An incident happens somewhere in the city; someone calls; a call-taker answers
and interviews; a dispatcher sends the units the incident type needs, chosen by
the dispatch policy; units drive there with lights and sirens, work on scene,
perhaps carry a patient to the nearest hospital, and drive home, available for a
new call all the way back. A relocation policy may move idle units between
stations to keep the city covered. Both decisions are swappable policies (see
``docs/policies.md``).
"""

from twin.systems.response.system import ResponseSystem

__all__ = ["ResponseSystem"]
