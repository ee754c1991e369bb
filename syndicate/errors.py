"""One exception family: every error syndicate raises on purpose is a :class:`SyndicateError`.

Only ``cli.py`` turns these into a message line and an exit code; the library
raises them with the file and the reason so a pipeline can do the same.
"""

from __future__ import annotations

__all__ = ["SyndicateError", "ModelError", "InputError", "ConfigError", "ExportError", "LockError", "OutputError"]


class SyndicateError(Exception):
    """Base of every error syndicate raises deliberately."""

    def __init__(self, message: str, path: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ModelError(SyndicateError, ValueError):
    """A story (or story JSON) that breaks the model: empty headline, naive date, unknown block…"""


class InputError(SyndicateError):
    """An input the reader refuses: binary, empty, undecodable, hostile or too large."""


class ConfigError(SyndicateError):
    """A bad configuration file or option (unknown key, wrong type)."""


class ExportError(SyndicateError):
    """An exporter could not turn the stories into its format (unknown format, bad option)."""


class LockError(SyndicateError):
    """Another build holds the output folder's lock."""


class OutputError(SyndicateError):
    """An output file or folder could not be written (permissions, a full disk, a missing device)."""
