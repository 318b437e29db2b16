"""Mutation testing: does the suite catch a wrong model, not only a broken one? See README.md.

Run ``python -m tests.mutation`` from the repository root (``--list`` to see the
mutants, ``--only NAME ...`` for some, ``--fast`` to stop each at its first
failing test). Not part of the ordinary pytest run: it takes minutes.
"""
