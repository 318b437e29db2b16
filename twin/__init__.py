"""A public-safety digital twin of a city on real OpenStreetMap road networks."""

__version__ = "0.1.0"
