"""Validators for a scenario block that takes a calibrated value or a parameter file.

A block such as ``crime.calibration`` has the value (``base``) and ``file``. When
the file is given, validation reads it and puts its value into the block, so the
resolved scenario records the number the run uses (its identity in the result
store changes when the file's value does); a value written next to the file
must agree with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twin.calibration.estimator import read_parameter_file
from twin.errors import TwinError


def value_from_file(key: str, parameter: str) -> Callable[[type, Any], Any]:
    """A pydantic ``mode="before"`` model validator: the value of ``file`` into ``key``.

    A file that cannot be read is left to the ``file`` field's validator
    (:func:`parameter_file`), which reports it at its own path.
    """
    def validate(cls: type, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("file"), str):
            return data
        try:
            content = read_parameter_file(data["file"], parameter)
        except TwinError:
            return data
        given = data.get(key)
        if given is not None and (not isinstance(given, int | float) or float(given) != content.value):
            raise ValueError(f"{key}: {given!r} disagrees with the {content.value!r} of {data['file']}; "
                             f"give {key} or file, not both (or set {key}: null)")
        return {**data, key: content.value}
    return classmethod(validate)  # type: ignore[return-value]


def parameter_file(parameter: str) -> Callable[[type, str | None], str | None]:
    """A pydantic field validator: ``file`` must be a readable parameter file for ``parameter``."""
    def validate(cls: type, path: str | None) -> str | None:
        if path is not None:
            try:
                read_parameter_file(path, parameter)
            except TwinError as exc:
                raise ValueError(str(exc)) from None
        return path
    return classmethod(validate)  # type: ignore[return-value]
