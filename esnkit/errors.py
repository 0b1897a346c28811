"""Exceptions raised by esnkit.

Every error a user can cause (bad input, bad configuration) is an :class:`EsnkitError`; the command
line prints its message as one line and exits non-zero, without a traceback.
"""

__all__ = ["EsnkitError", "DataError", "ConfigError", "RunError", "StorageError", "BusyError"]


class EsnkitError(Exception):
    """Base class of the errors a user can act on."""


class DataError(EsnkitError, ValueError):
    """Input data is missing, malformed or inconsistent.

    The message names the file (or table), the row or column, and what to do.
    """


class ConfigError(EsnkitError, ValueError):
    """A client configuration (``client.yml``) or a command-line option is wrong."""


class RunError(EsnkitError, RuntimeError):
    """A step notebook failed while running or exporting."""


class StorageError(EsnkitError, OSError):
    """A folder esnkit writes cannot take the files: a full disk, a read-only or unwritable folder, no temporary folder.

    The message names the folder and what to do; nothing was half-written.
    """


class BusyError(EsnkitError):
    """Another esnkit command holds the client workspace (``ingest``, ``reduce`` and ``run`` take turns)."""
