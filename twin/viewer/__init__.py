"""The replay of a stored run in the browser: ``python run.py view RUN_DIR [RUN_B]``.

A small local web server (:mod:`.server`, Starlette on uvicorn, bound to
127.0.0.1) serves one page (``static/``: plain HTML, CSS and JavaScript on a 2D
canvas, no external assets) and the JSON it reads (:mod:`.data`): the road
network, and what each system contributes through ``System.replay(run)``
(:mod:`twin.present.replay`). Two runs of the same city play side by side on one
clock. See ``docs/viewer.md``.
"""

from twin.viewer.data import ReplaySource, read_sources
from twin.viewer.server import create_app, serve

__all__ = ["ReplaySource", "create_app", "read_sources", "serve"]
