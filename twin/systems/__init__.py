"""City systems, one folder each; each plugs into the engine the same way (see twin.sim.system)."""
