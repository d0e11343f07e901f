"""Exceptions and warnings raised by borderforecast.

Every error a user can cause derives from :class:`BorderforecastError`; every
data problem from :class:`DataError`, so ``except borderforecast.DataError``
catches all of them. Warnings have their own classes so they can be filtered
with :func:`warnings.filterwarnings`.
"""

from __future__ import annotations


class BorderforecastError(Exception):
    """Base class of every error raised on purpose by borderforecast."""


class DataError(BorderforecastError, ValueError):
    """Input data is unusable: malformed file, missing column, bad value."""


class MalformedFileError(DataError):
    """A file cannot be parsed in any of the layouts borderforecast knows."""


class MissingColumnError(DataError):
    """A required column is absent from a file or frame."""


class BadValueError(DataError):
    """A cell holds a value that is not allowed (non-numeric, negative, ...)."""


class DuplicateMonthError(DataError):
    """The same month appears more than once for one series."""


class MissingMonthError(DataError):
    """A series has a gap: one or more months between its first and last are absent."""


class FutureMonthError(DataError):
    """A file holds months after the current calendar month."""


class UnknownSeriesError(DataError, KeyError):
    """No series matches the requested sector, demographic, component, ..."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ShortSeriesError(DataError):
    """A series is too short for the requested model or analysis."""


class ModelError(BorderforecastError):
    """A model specification is unknown or invalid, or a model cannot be fitted."""


class UnknownModelError(ModelError, KeyError):
    """No model specification has the requested name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class SpecError(ModelError):
    """A model specification file is invalid (bad TOML, unknown class, bad parameter)."""


class StoreError(BorderforecastError):
    """The user data store cannot be read or written."""


class BorderforecastWarning(UserWarning):
    """Base class of borderforecast's warnings."""


class ConvergenceWarning(BorderforecastWarning):
    """A model's optimiser did not converge; its result may be unreliable."""


class ShortSeriesWarning(BorderforecastWarning):
    """A series is shorter than recommended; results are less reliable."""


class DataWarning(BorderforecastWarning):
    """Data were handled in a way the user should know about (zeros offset, revisions, ...)."""


class PathError(BorderforecastError):
    """A path cannot be used: a file where a folder belongs, read-only, or a full disk."""


class SpecWarning(BorderforecastWarning):
    """A model specification file was skipped because it is invalid."""


class ForecastWarning(BorderforecastWarning):
    """A forecast goes beyond what the package can vouch for (e.g. a horizon over
    :data:`borderforecast.models.fitted.MAX_HORIZON` months); its intervals are capped."""
