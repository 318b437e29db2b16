"""Where runs execute: local processes, a local Dask cluster, or a remote Dask scheduler.

Every executor is a :class:`concurrent.futures.Executor`, so the code that
submits runs and collects results does not know which one it talks to:

* local processes (the default): a :class:`~concurrent.futures.ProcessPoolExecutor`
  with one process per core (``--processes N`` for fewer). Processes start from a
  *forkserver* that has imported the simulator once, so they start fast and
  inherit no threads (a plain fork of a process that has used Numba's GNU OpenMP
  threads aborts).
* ``--workers N``: a :class:`distributed.LocalCluster` of N single-threaded
  worker processes on this machine, through ``Client.get_executor()``.
* ``--scheduler tcp://HOST:PORT``: an existing Dask scheduler and its workers
  (which need this project installed, and the city files at the same paths).

Results do not depend on the executor: a run's randomness comes from its seed only.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import re
import signal
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from twin.errors import TwinError

#: Seconds to wait for a remote scheduler (and for at least one of its workers).
CONNECT_TIMEOUT_S = 5.0

_ADDRESS = re.compile(r"^(tcp|tls)://[^\s:/]+:\d{1,5}$")


@dataclass
class ExecutorHandle:
    """An open executor and what to call it in outputs."""

    executor: Executor
    kind: str
    #: Runs that can execute at once (worker processes, or threads of a remote cluster).
    workers: int
    #: Whether the workers share this machine's city cache.
    local: bool = True

    @property
    def description(self) -> str:
        """E.g. ``"local processes (2 workers)"``."""
        return f"{self.kind} ({self.workers} worker{'s' if self.workers != 1 else ''})"


#: The module every local worker process needs; the forkserver imports it once.
WORKER_MODULE = "twin.experiments.worker"


def start_forkserver() -> None:
    """Start the forkserver now, so it imports the simulator while this process does other work.

    Cheap to call (it imports nothing heavy here) and harmless to call twice.
    """
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # no forkserver on this platform: spawn instead, nothing to start
        return
    context.set_forkserver_preload([WORKER_MODULE])
    from multiprocessing import forkserver

    forkserver.ensure_running()


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def local_processes(workers: int | None = None) -> Iterator[ExecutorHandle]:
    """A process pool of ``workers`` processes (default: every core)."""
    from twin.experiments import worker

    workers = workers or default_workers()
    if workers < 1:
        raise TwinError(f"--processes: need at least 1 worker, got {workers}")
    try:
        # The server imports the simulator once and each worker is a fork of it: fast to start, and
        # no thread (nor GNU OpenMP runtime, which aborts on fork) inherited from this process.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([WORKER_MODULE])
    except ValueError:  # no forkserver on this platform
        context = multiprocessing.get_context("spawn")
    # Each worker ends when this process ends, even by kill -9 (twin.experiments.lifeline).
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=worker.init_process,
                               initargs=(os.getpid(),))
    try:
        yield ExecutorHandle(pool, "local processes", workers)
    except BaseException:
        _stop_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued runs; give idle workers a moment to exit, then end the rest (a second Ctrl-C)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public way to end running tasks
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 1.0
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)
    # The pool's manager thread now sees its workers gone and releases the pool's locks and pipes.
    pool.shutdown(wait=True)


@contextmanager
def dask_local(workers: int) -> Iterator[ExecutorHandle]:
    """A local Dask cluster of ``workers`` single-threaded processes."""
    if workers < 1:
        raise TwinError(f"--workers: need at least 1 worker, got {workers}")
    import dask
    from distributed import Client, LocalCluster

    # No dashboard, so no use for the workers' monitoring: the statistical profiler samples the
    # running task's stack every 10 ms and the event loop ticks every 20 ms, each taking the GIL
    # from a pure-Python simulation (several percent of its time).
    held = _HeldSignals()
    try:
        with dask.config.set({"distributed.worker.profile.enabled": False,
                              "distributed.admin.tick.interval": "500ms",
                              "distributed.admin.system-monitor.interval": "2s",
                              "distributed.admin.system-monitor.gil.enabled": False,
                              "distributed.worker.memory.monitor-interval": "1s"}), warnings.catch_warnings():
            # Its health-check HTTP server (on 127.0.0.1) takes another port when 8787 is busy: nothing to say.
            warnings.filterwarnings("ignore", message="Port 8787 is already in use")
            # CRITICAL: a failing run reaches us through its future; what the workers would log besides
            # is their heartbeat failing while the cluster is torn down after Ctrl-C or SIGTERM.
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.CRITICAL)
    except BaseException:
        held.release()
        raise
    try:
        held.release()  # a Ctrl-C or SIGTERM received while the cluster started is raised here
        with Client(cluster) as client:
            yield ExecutorHandle(client.get_executor(pure=False), "Dask local cluster", workers)
    finally:
        cluster.close()


class _HeldSignals:
    """Hold back Ctrl-C and SIGTERM from now until :meth:`release`, then deliver them.

    A Dask cluster interrupted while it starts cannot be closed (its ``close``
    asserts that every worker started) and Dask's exit hook then prints a
    traceback; so the cluster starts whole (a few seconds), then stops whole.
    Only in the main thread, where Python runs signal handlers.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: list[int] = []
        self.previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self.previous[signum] = signal.signal(signum, lambda s, frame: self.received.append(s))

    def release(self) -> None:
        """Restore the handlers, and deliver each signal received meanwhile (once)."""
        previous, self.previous = self.previous, {}
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        for signum in dict.fromkeys(self.received):
            signal.raise_signal(signum)


def check_reachable(address: str) -> None:
    """Fail at once, in one line, if ``address`` is malformed or nothing listens there.

    A plain TCP connection (at most :data:`CONNECT_TIMEOUT_S`): refused, unroutable
    and unknown hosts are reported before any scenario is loaded.
    """
    if not _ADDRESS.match(address):
        raise TwinError(f"--scheduler: expected tcp://HOST:PORT or tls://HOST:PORT, got {address!r}")
    host, port = address.split("://", 1)[1].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        raise TwinError(f"--scheduler: cannot reach the Dask scheduler at {address} within "
                        f"{CONNECT_TIMEOUT_S:g} s ({reason})") from None


async def _handshake(address: str) -> None:
    from distributed.comm import connect
    from distributed.security import Security

    # TLS settings (certificates) come from Dask's configuration, as for the Client: Security() reads them.
    arguments = Security().get_connection_args("client")
    comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT_S, **arguments), CONNECT_TIMEOUT_S + 1)
    await comm.close()


@contextmanager
def dask_remote(address: str) -> Iterator[ExecutorHandle]:
    """The workers of the Dask scheduler at ``address`` (``tcp://HOST:PORT`` or ``tls://HOST:PORT``).

    For ``tls://``, the client's certificates come from Dask's configuration
    (``distributed.comm.tls.ca-file``, ``.client.cert``, ``.client.key``; or the
    ``DASK_DISTRIBUTED__COMM__TLS__…`` environment variables).
    """
    check_reachable(address)
    from distributed import Client
    from distributed.security import Security

    if address.startswith("tls://") and not Security().tls_client_cert:
        raise TwinError(f"--scheduler: {address} needs this machine's TLS certificates: set "
                        "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and "
                        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY (or distributed.comm.tls in Dask's configuration)")
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # our one-line error says it all
    try:
        # Dask's handshake alone first: a failed Client lingers for seconds while it closes.
        asyncio.run(_handshake(address))
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except Exception as exc:  # anything at all: something answers there, but not a scheduler we can use
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TwinError(f"--scheduler: no Dask scheduler answered at {address} ({reason[:200]})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise TwinError(f"--scheduler: the Dask scheduler at {address} has no workers "
                            f"(waited {CONNECT_TIMEOUT_S:g} s); start some with `dask worker {address}`") from None
        n = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
        yield ExecutorHandle(client.get_executor(pure=False), f"Dask scheduler {address}", n, local=False)
    finally:
        client.close()


@contextmanager
def open_executor(*, processes: int | None = None, workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[ExecutorHandle]:
    """The executor the command line asked for (at most one of the three options).

    Parameters
    ----------
    processes : int, optional
        Local processes (default: every core).
    workers : int, optional
        Start a local Dask cluster of this many worker processes.
    scheduler : str, optional
        Connect to an existing Dask scheduler, ``tcp://HOST:PORT``.
    """
    if sum(x is not None for x in (processes, workers, scheduler)) > 1:
        raise TwinError("give at most one of --processes, --workers and --scheduler")
    if scheduler is not None:
        manager = dask_remote(scheduler)
    elif workers is not None:
        manager = dask_local(workers)
    else:
        manager = local_processes(processes)
    with manager as handle:
        yield handle
