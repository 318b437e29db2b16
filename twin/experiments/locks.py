"""A lock file: "this process is working on it", released when the process ends, however it ends.

Like a "room occupied" sign that falls off the door by itself when the
occupant leaves, even through the window: the lock is an ``flock`` on a small
file, and the kernel drops it when its process exits (``kill -9`` included),
so a lock is never left stale. The file holds the holder's PID, for messages.

Whoever removes a lock file does so while holding it, so a process that locked
a file just removed notices it is no longer at its path and tries again.
Without ``fcntl`` (not POSIX) every lock is granted: nothing is excluded, and
nothing breaks.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]


class FileLock:
    """An exclusive lock on ``path``, held by this process until :meth:`release`.

    Use :meth:`acquire`; it does not wait.
    """

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def acquire(cls, path: Path | str, *, create: bool = True) -> FileLock | None:
        """Lock ``path`` now, or return ``None`` if another process holds it.

        Parameters
        ----------
        path : Path or str
            The lock file (created if ``create``; its folder must exist).
        create : bool
            Create the file if it is missing; if not, a missing file raises.

        Raises
        ------
        OSError
            The file cannot be opened or created (permission, read-only file system);
            ``FileNotFoundError`` when it is missing and not ``create``.
        """
        path = Path(path)
        if fcntl is None:
            return cls(path, None)
        while True:
            fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                return cls(path, fd)
            os.close(fd)  # removed (or replaced) by its holder between our open and our lock
            if not create:
                raise FileNotFoundError(2, "No such file or directory", str(path))

    @staticmethod
    def is_held(path: Path | str) -> bool:
        """Whether some process (this one included, through another lock) holds ``path`` now."""
        try:
            lock = FileLock.acquire(path, create=False)
        except FileNotFoundError:
            return False
        if lock is None:
            return True
        lock.release()
        return False

    @staticmethod
    def holder(path: Path | str) -> str:
        """The PID written in a lock file, or ``""``."""
        try:
            text = Path(path).read_text().strip()
        except OSError:
            return ""
        return text if text.isdigit() else ""

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass  # a lock file left behind is harmless: nobody holds it
        finally:
            os.close(fd)
