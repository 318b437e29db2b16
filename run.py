"""Entry point: ``python run.py ...`` is the same as ``python -m twin``."""

from twin.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
