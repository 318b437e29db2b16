"""Output folders: taken before a run starts, filled in hiding, renamed into place.

Like booking a table before ordering: a command reserves its output folder
before it simulates anything, so a folder it could not write (a file in the
way, no permission, another run's folder) is refused in one line and no
work is lost. The outputs are then written into a hidden temporary folder
beside the target and renamed into place at the end, so an interrupted or
failed run leaves nothing half-written where a reader would look.

Beside ``FOLDER``, while a process writes it::

    .FOLDER.lock        locked (``flock``) by that process; removed when it is done
    .FOLDER.tmp-PID/    what it has written so far; renamed to FOLDER at the end

A process killed with ``kill -9`` leaves both behind; the next command that
writes in the same parent folder removes the temporaries of processes that no
longer run, and the lock of a dead process is free by itself.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from twin.errors import TwinError
from twin.experiments.locks import FileLock

#: Suffixes tried after a default folder name that is taken: ``NAME-2`` … ``NAME-99``.
MAX_SUFFIX = 99

_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)$")


@dataclass
class _Reservation:
    lock: FileLock
    tmp: Path


_HELD: dict[Path, _Reservation] = {}


def reserve(folder: Path | str, *, unique: bool = False) -> Path:
    """Take ``folder`` for this process before any work is done; return it.

    Checks that the folder can be created and written, that it is absent or an
    empty folder, and that no other process is writing it; creates its hidden
    temporary folder. Calling it again for a folder this process holds is a no-op.

    Parameters
    ----------
    folder : Path or str
        The output folder.
    unique : bool
        For a default name: when ``folder`` is taken (exists, or another process
        writes it), take the first free ``folder-2``, ``folder-3``, … instead of failing.

    Returns
    -------
    Path
        The folder reserved (``folder`` itself unless ``unique`` found it taken).

    Raises
    ------
    TwinError
        One line naming the path: a file in the way, a folder that is not empty,
        another process writing it, or the operating system's refusal (permission,
        read-only file system, disk full, name too long).
    """
    folder = Path(folder)
    if folder in _HELD:
        return folder
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise TwinError(f"{parent}: cannot create the output folder here: not a folder") from None
    except (OSError, ValueError) as exc:
        raise _os_error(parent, exc, "cannot create the output folder") from None
    clean_stale(parent)
    candidates = [folder]
    if unique:
        candidates += [folder.with_name(f"{folder.name}-{i}") for i in range(2, MAX_SUFFIX + 1)]
    for candidate in candidates:
        reservation = _take(candidate, strict=not unique or candidate == candidates[-1])
        if reservation is not None:
            _HELD[candidate] = reservation
            return candidate
    raise AssertionError("unreachable: the last candidate is taken strictly")


def _take(folder: Path, strict: bool) -> _Reservation | None:
    """Lock ``folder``, check it is free, create its temporary folder.

    ``None`` when the folder is taken and not ``strict``; a :class:`TwinError` when it
    is taken and ``strict``, or when the operating system refuses.
    """
    lock_path = folder.parent / f".{folder.name}.lock"
    try:
        lock = FileLock.acquire(lock_path)
    except (OSError, ValueError) as exc:
        raise _os_error(folder, exc, "cannot write the output folder") from None
    if lock is None:
        if not strict:
            return None
        holder = FileLock.holder(lock_path)
        raise TwinError(f"{folder}: another run{f' (pid {holder})' if holder else ''} is writing this output folder")
    try:
        taken = ""
        if folder.exists() and not folder.is_dir():
            taken = "output folder is a file"
        elif folder.is_dir() and any(folder.iterdir()):
            taken = "output folder exists and is not empty"
        if taken:
            if strict:
                raise TwinError(f"{folder}: {taken}")
            lock.release()
            return None
        tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir()
        except OSError as exc:
            raise _os_error(folder, exc, "cannot write the output folder") from None
    except BaseException:
        lock.release()
        raise
    return _Reservation(lock, tmp)


@contextmanager
def atomic_folder(folder: Path | str) -> Iterator[Path]:
    """Yield a hidden temporary folder that becomes ``folder`` when the block ends without error.

    ``folder`` is reserved first (:func:`reserve`) unless this process already
    holds it. Whatever happens, the reservation is released at the end; on an
    error the temporary folder is removed and ``folder`` is left as it was.

    Raises
    ------
    TwinError
        As :func:`reserve`; and any ``OSError`` while writing (disk full,
        permission), as one line naming the folder.
    """
    folder = reserve(folder)
    tmp = _HELD[folder].tmp
    try:
        yield tmp
        if folder.exists():
            folder.rmdir()  # the empty folder the user gave, or that we checked was empty
        os.rename(tmp, folder)
    except OSError as exc:
        raise _os_error(folder, exc, "cannot write the outputs") from None
    finally:
        release(folder)


def release(folder: Path | str) -> None:
    """Give up the reservation of ``folder``: remove its temporary folder (if still there) and its lock."""
    reservation = _HELD.pop(Path(folder), None)
    if reservation is None:
        return
    shutil.rmtree(reservation.tmp, ignore_errors=True)
    reservation.lock.release()


def release_all() -> None:
    """Release every folder this process holds (at exit, or when a command ends)."""
    for folder in list(_HELD):
        release(folder)


atexit.register(release_all)


def clean_stale(parent: Path) -> int:
    """Remove the temporaries killed writers left in ``parent``; return how many.

    A temporary ``.NAME.tmp-PID/`` goes when process PID no longer runs and no
    process holds ``.NAME.lock`` (the lock also covers a writer in another PID
    namespace, such as another container sharing the folder); its lock file
    goes with it.
    """
    removed = 0
    try:
        entries = list(parent.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match or int(match["pid"]) == os.getpid() or _alive(int(match["pid"])):
            continue
        try:
            if FileLock.is_held(parent / f".{match['name']}.lock"):
                continue  # its writer still runs (in another PID namespace)
        except OSError:
            continue
        shutil.rmtree(entry, ignore_errors=True)  # (is_held removed the free lock file, holding it)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OverflowError:
        return False
    return True


def _os_error(path: Path, exc: OSError | ValueError, what: str) -> TwinError:
    """One line for the operating system's refusal: the path, what we tried, and why."""
    if isinstance(exc, ValueError):  # e.g. an embedded NUL byte in the name
        return TwinError(f"{str(path)!r}: {what}: {exc}")
    reason = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename and Path(str(exc.filename)) != path else ""
    return TwinError(f"{path}: {what}: {reason}{where}")
