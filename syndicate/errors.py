"""One exception family: every error syndicate raises on purpose is a :class:`SyndicateError`.

Only ``cli.py`` turns these into a message line and an exit code; the library
raises them with the file and the reason so a pipeline can do the same.
"""

from __future__ import annotations

import re

from .patterns import LazyPattern

__all__ = ["printable", "SyndicateError", "ModelError", "InputError", "ConfigError", "ExportError", "LockError",
           "OutputError"]


#: What must never reach a terminal raw: C0 controls (ESC, CR, BEL, newline…), DEL, C1 controls (CSI U+009B
#: alone starts an escape sequence on some terminals), the bidi embeddings, overrides and isolates that
#: reorder the rest of the line, and lone surrogates (undecodable bytes of a file name).
_UNPRINTABLE = LazyPattern("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte the file system name could not decode (surrogateescape): show the byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: every control, bidi-reordering or surrogate character becomes a
    visible escape such as ``\\x1b`` or ``\\u202e``, so input-controlled names and values cannot move the
    cursor, recolour, retitle or reorder the operator's terminal, nor forge a second line.

    Backslashes are left alone, which makes the escaping idempotent: escaping twice changes nothing.
    """
    return _UNPRINTABLE.sub(_escape, text)


class SyndicateError(Exception):
    """Base of every error syndicate raises deliberately."""

    def __init__(self, message: str, path: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)

    def __str__(self) -> str:
        # The path and the reason often carry input-controlled text (a file name, a metadata value), and
        # str(error) is what gets printed and logged: it is escaped for the terminal (see printable()).
        message = printable(self.message)
        return f"{printable(self.path)}: {message}" if self.path else message


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
