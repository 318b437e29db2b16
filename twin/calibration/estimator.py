"""Estimators of model parameters, and the small YAML files that keep what they fitted.

An estimator follows scikit-learn's conventions: the constructor only stores its
parameters (the target to match and the model's settings), ``fit(...)`` computes
and returns ``self``, and what it found sits in attributes with a trailing
underscore (``base_``). :meth:`Estimator.save` writes a parameter file, and a
scenario names that file instead of fitting again::

    parameter: crime.calibration.base      # the scenario field the value is for
    value: 1.9e-06
    estimator: CrimeBase
    settings: {per_day: 29.6, ...}         # the constructor's parameters
    target: {per_day: 29.6}                # what the fit matched
    fitted: {base: 1.9e-06, reference_per_day: 29.6, ...}
    provenance: {city: helsinki, city_digest: ..., scenario: baseline, fitted_at: ..., twin_version: 0.1.0, ...}

:func:`load` reads any parameter file back into a fitted estimator of the right class.
"""

from __future__ import annotations

import inspect
import math
import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from twin.calibration.provenance import Provenance
from twin.errors import TwinError

E = TypeVar("E", bound="Estimator")

#: Every estimator class by name (filled by subclassing), for :func:`load`.
ESTIMATORS: dict[str, type[Estimator]] = {}


class ParameterFile(BaseModel):
    """The content of a parameter file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameter: str
    value: float
    estimator: str
    settings: dict[str, Any] = {}
    target: dict[str, Any] = {}
    fitted: dict[str, Any] = {}
    provenance: Provenance


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python numbers and lists (YAML knows neither)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def read_parameter_file(path: str | Path, parameter: str | None = None) -> ParameterFile:
    """Read and check a parameter file.

    Parameters
    ----------
    path : str or Path
    parameter : str, optional
        The scenario field it must be for (e.g. ``"crime.calibration.base"``).

    Raises
    ------
    TwinError
        Naming the file, the field and the problem: missing, not YAML, a field
        missing or of the wrong type, or a file for another parameter.
    """
    path = Path(path)
    if not path.is_file():
        raise TwinError(f"{path}: no such parameter file")
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TwinError(f"{path}: not a readable YAML parameter file ({exc})") from None
    try:
        content = ParameterFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise TwinError(f"{path}: {where}: {first['msg']}") from None
    if parameter is not None and content.parameter != parameter:
        raise TwinError(f"{path}: parameter: the file is for {content.parameter!r}, not {parameter!r}")
    if content.estimator not in ESTIMATORS:
        raise TwinError(f"{path}: estimator: unknown estimator {content.estimator!r}; "
                        f"known: {', '.join(sorted(ESTIMATORS))}")
    if not math.isfinite(content.value):
        raise TwinError(f"{path}: value: must be a finite number, got {content.value!r}")
    return content


class Estimator(ABC):
    """Base class of the estimators: parameters, fitted attributes, parameter files.

    Subclasses set :attr:`parameter` (the scenario field a fitted value is for),
    :attr:`value_attribute` (the fitted attribute holding it), a constructor that
    only stores its keyword parameters, ``fit(...)`` that sets the underscored
    attributes and ``provenance_``, and :meth:`target`.
    """

    #: Dotted scenario path of the value this estimator fits.
    parameter: ClassVar[str] = ""
    #: Name of the fitted attribute holding that value.
    value_attribute: ClassVar[str] = ""

    provenance_: Provenance

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ESTIMATORS[cls.__name__] = cls

    # --- parameters, as in scikit-learn ------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
        return [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --- what a fit found ----------------------------------------------------------------------

    def is_fitted(self) -> bool:
        """Whether :meth:`fit` ran (or the estimator was loaded from a file)."""
        return hasattr(self, self.value_attribute)

    def _check_fitted(self) -> None:
        if not self.is_fitted():
            raise TwinError(f"{type(self).__name__} is not fitted yet: call fit(...) or load a parameter file")

    @property
    def value(self) -> float:
        """The fitted value of :attr:`parameter`."""
        self._check_fitted()
        return float(getattr(self, self.value_attribute))

    @abstractmethod
    def target(self) -> dict[str, Any]:
        """What the fit matched (e.g. ``{"per_day": 29.6}``); each estimator says its own."""

    def fitted(self) -> dict[str, Any]:
        """Every fitted attribute (without its underscore) except the provenance."""
        self._check_fitted()
        return {name[:-1]: _plain(value) for name, value in vars(self).items()
                if name.endswith("_") and not name.startswith("_") and name != "provenance_"}

    # --- parameter files -----------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """The parameter file's content, as plain data."""
        self._check_fitted()
        return {"parameter": self.parameter, "value": self.value, "estimator": type(self).__name__,
                "settings": _plain(self.get_params()), "target": _plain(self.target()), "fitted": self.fitted(),
                "provenance": _plain(self.provenance_.as_dict())}

    def save(self, path: str | Path) -> Path:
        """Write the parameter file to ``path`` (atomically: never half a file); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (f"# {self.parameter}, fitted by twin.calibration.{type(self).__name__} "
                "(see docs/calibration.md)\n" + yaml.safe_dump(self.params(), sort_keys=False, default_flow_style=None))
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls: type[E], path: str | Path) -> E:
        """A fitted estimator from a parameter file written by :meth:`save` (``TwinError`` if it is not one)."""
        content = read_parameter_file(path, cls.parameter or None)
        if content.estimator != cls.__name__:
            raise TwinError(f"{path}: estimator: the file was written by {content.estimator}, not {cls.__name__}")
        return cls._from_file(content, path)

    @classmethod
    def _from_file(cls: type[E], content: ParameterFile, path: str | Path) -> E:
        try:
            estimator = cls(**content.settings)
        except TypeError as exc:
            raise TwinError(f"{path}: settings: {exc}") from None
        for name, value in content.fitted.items():
            setattr(estimator, f"{name}_", value)
        setattr(estimator, cls.value_attribute, content.value)
        estimator.provenance_ = content.provenance
        return estimator


def load(path: str | Path) -> Estimator:
    """The fitted estimator a parameter file describes, of whichever class wrote it."""
    content = read_parameter_file(path)
    return ESTIMATORS[content.estimator]._from_file(content, path)
