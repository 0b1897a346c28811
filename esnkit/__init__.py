"""esnkit: a consultant's workbench for getting an enterprise social network back on track.

The public API: :class:`Dataset` (the canonical model), :func:`load` (any supported export),
:class:`DataError` (bad input, with a message saying what to do).
"""

from ._version import __version__
from .dataset import Dataset, Meta
from .errors import ConfigError, DataError, EsnkitError
from .loaders import load

__all__ = ["Dataset", "Meta", "DataError", "ConfigError", "EsnkitError", "load", "__version__"]
