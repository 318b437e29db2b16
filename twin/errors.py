"""The one exception type for a user's mistake.

Anything the user can get wrong (a missing file, a bad source string, a scenario
field of the wrong type) raises :class:`TwinError` with one readable line. The
command line prints that line and exits with status 2; a traceback means a bug.
"""


class TwinError(Exception):
    """A problem with the user's input, explained in one line."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM from ``timeout``, CI cancellation, ``docker stop``).

    It takes the Ctrl-C path (what finished is kept, temporary files are removed),
    except that runs still in progress are abandoned rather than awaited: whoever
    sends SIGTERM usually sends SIGKILL a few seconds later.
    """
