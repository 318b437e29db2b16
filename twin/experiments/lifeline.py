"""Worker processes that end when the command that started them ends.

A worker is like a contractor who stops work the moment the client goes
bankrupt, instead of finishing the job and waiting forever for the next one.

Why a worker has to watch for itself: local workers are forked by
multiprocessing's *forkserver*, not by the command, so the kernel's "parent
died" signal (Linux ``PR_SET_PDEATHSIG``) would watch the forkserver. And the
forkserver lives as long as any worker does: every worker holds the write end
of the forkserver's "alive" pipe, and the server stops only when that pipe is
closed by all. So after a ``kill -9`` of the command, workers and forkserver
(about half a gigabyte each) would finish their run and then idle forever.

:func:`exit_with` therefore starts, in the worker, a daemon thread that waits for
the command's process to end (a pidfd on Linux ≥ 5.3, else a poll every
:data:`POLL_S`) and then ends the worker at once. The forkserver and
multiprocessing's resource tracker, their last client gone, exit by themselves.
A worker that is a direct child of the command (the *spawn* start method) also
asks the kernel for ``SIGKILL`` when its parent dies.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading
import time

#: Seconds between two checks that the command still runs, where no pidfd is available.
POLL_S = 0.5

#: Exit status of a worker whose command has gone (128 + SIGKILL, as if the kernel had ended it).
ORPHAN_EXIT_STATUS = 128 + 9

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def exit_with(pid: int) -> None:
    """End this process as soon as the process ``pid`` ends (at most :data:`POLL_S` later).

    Parameters
    ----------
    pid : int
        The process whose end ends this one: the command that started the batch.
        Nothing happens when it is this very process.
    """
    if pid == os.getpid():
        return
    if os.getppid() == pid:
        _kill_me_when_parent_dies()
    threading.Thread(target=_watch, args=(pid,), name="twin-lifeline", daemon=True).start()


def _kill_me_when_parent_dies() -> None:
    """Ask Linux for SIGKILL when the parent ends (nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl in this libc: the watching thread still works
        pass


def _watch(pid: int) -> None:
    """Wait for ``pid`` to end, then end this process without cleanup (its parent is gone)."""
    try:
        handle = os.pidfd_open(pid)  # Linux ≥ 5.3: readable when the process ends
    except ProcessLookupError:
        os._exit(ORPHAN_EXIT_STATUS)
    except (AttributeError, OSError):
        while _alive(pid):
            time.sleep(POLL_S)
    else:
        select.select([handle], [], [])
    os._exit(ORPHAN_EXIT_STATUS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
