"""The package version, readable by any module without importing the package's ``__init__``."""

__version__ = "0.1.0"
