"""Where borderforecast keeps user files (the data store, forecast vintages, caches)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "BORDERFORECAST_HOME"


def home_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """Return the user data directory.

    Order: the ``home`` argument, the ``BORDERFORECAST_HOME`` environment
    variable, then the platform's per-user data directory. The folder is not
    created here; writers create it when they first write.

    Examples
    --------
    >>> import os
    >>> str(home_dir("~/bf-data")) == os.path.expanduser("~/bf-data")
    True
    """
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("borderforecast", appauthor=False))
