"""The replay server: one page and a small JSON API over stored runs (``python run.py view``).

Routes (``{run}`` is 0, or 0 and 1 side by side)::

    GET  /                               the page (static/index.html; viewer.js, viewer.css under /static)
    GET  /api/runs                       the runs shown: [{"id", "name", "seed", "folder"}], and a warning
    GET  /api/runs/{run}/scene           what does not change: meta, network, sites     (data.ReplaySource.scene)
    GET  /api/runs/{run}/replay          what does: markers, movers, series, lists      (data.ReplaySource.replay)
    GET  /api/runs/{run}/events?since=&until=&limit=   the log's events between two times
    GET  /api/runs/{run}/frame?t=        every item's state at one time
    GET  /api/runs/{run}/timeline?ref=unit&id=3        one item's events
    WS   /api/runs/{run}/stream?since=   the log's events from a time on, in batches, then {"done": true}

The page reads the two documents once and animates them itself; the three views
and the stream are what a client following a live run will use (the tabletop
console): a live source answers them from the running model instead of the log.

Starlette and uvicorn: a small, well-kept ASGI stack whose WebSocket support the
live console needs. The page is plain HTML, CSS and JavaScript drawing on a 2D
canvas: no external assets, no tile server, so it works offline.
"""

from __future__ import annotations

import math
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from twin.errors import TwinError
from twin.viewer.data import ReplaySource, pair_warning

#: The page's files, installed with the package.
STATIC = Path(__file__).resolve().parent / "static"

#: Where the server listens unless told otherwise: this machine only.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


def _number(request: Request, name: str, default: float) -> float:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise TwinError(f"{name}: expected a number of seconds, got {text!r}") from None
    if math.isnan(value):
        raise TwinError(f"{name}: expected a number of seconds, got {text!r}")
    return value


def create_app(sources: list[ReplaySource]) -> Starlette:
    """The ASGI app serving ``sources`` (one run, or two side by side)."""

    def source(request: Request | WebSocket) -> ReplaySource:
        index = int(request.path_params["run"])
        if not 0 <= index < len(sources):
            raise TwinError(f"run {index}: no such run (this viewer shows {len(sources)})")
        return sources[index]

    def guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """A client's mistake (a wrong id, a bad number) as 400 and one line of JSON."""
        async def endpoint(request: Request) -> Response:
            try:
                return handler(request)
            except TwinError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return endpoint

    def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    def runs(request: Request) -> Response:
        return JSONResponse({"runs": [{"id": i, "name": s.run.name, "seed": s.run.seed, "folder": str(s.run.folder)}
                                      for i, s in enumerate(sources)], "warning": pair_warning(sources)})

    def document(name: str) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            return Response(source(request).document(name), media_type="application/json")
        return handler

    def events(request: Request) -> Response:
        limit = int(_number(request, "limit", 1000))
        if limit < 1:
            raise TwinError(f"limit: must be at least 1, got {limit}")
        return JSONResponse(source(request).events(_number(request, "since", 0.0),
                                                   _number(request, "until", math.inf), limit))

    def frame(request: Request) -> Response:
        return JSONResponse(source(request).frame(_number(request, "t", 0.0)))

    def timeline(request: Request) -> Response:
        ref = request.query_params.get("ref", "")
        text = request.query_params.get("id", "")
        try:
            item = int(text)
        except ValueError:
            raise TwinError(f"id: expected an integer id, got {text!r}") from None
        return JSONResponse(source(request).timeline(ref, item))

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            run = source(websocket)
            since = float(websocket.query_params.get("since") or 0.0)
        except (TwinError, ValueError) as exc:
            await websocket.send_json({"error": str(exc)})
            await websocket.close()
            return
        while True:
            batch = run.events(since, math.inf, 500)
            await websocket.send_json({"events": batch["events"]})
            if not batch["more"]:
                break
            since = batch["next"]
        # A stored run ends here; a live run would keep the socket open and send events as they happen.
        await websocket.send_json({"done": True, "until_s": run.run.duration_s})
        await websocket.close()

    routes = [
        Route("/", index),
        Route("/api/runs", guarded(runs)),
        Route("/api/runs/{run:int}/scene", guarded(document("scene"))),
        Route("/api/runs/{run:int}/replay", guarded(document("replay"))),
        Route("/api/runs/{run:int}/events", guarded(events)),
        Route("/api/runs/{run:int}/frame", guarded(frame)),
        Route("/api/runs/{run:int}/timeline", guarded(timeline)),
        WebSocketRoute("/api/runs/{run:int}/stream", stream),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=2048)])


def bind(host: str, port: int, fallback: bool) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free one; ``fallback``: any free one if taken).

    Raises
    ------
    TwinError
        The address cannot be used (taken, not this machine's), named with what to do.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TwinError(f"--host: cannot use {host!r} ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        if fallback and port != 0:
            sock.close()
            return bind(host, 0, fallback=False)
        sock.close()
        raise TwinError(f"--port: cannot listen on {host}:{port} ({exc.strerror}); "
                        "give another --port, or --port 0 for any free one") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The page's address on a bound socket."""
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


def serve(sources: list[ReplaySource], sock: socket.socket, *, open_browser: bool = False,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve ``sources`` on ``sock`` until interrupted (Ctrl-C, SIGTERM).

    ``on_ready`` is called with the page's URL once the server accepts connections;
    ``open_browser`` then opens it in the user's browser.
    """
    import uvicorn

    url = url_of(sock)
    config = uvicorn.Config(create_app(sources), log_level="warning", lifespan="off", ws_ping_interval=None)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            if on_ready is not None:
                on_ready(url)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, name="viewer-ready", daemon=True).start()
    server.run(sockets=[sock])
