"""Regular expressions compiled when first used, so a command pays only for the patterns its input needs.

Compiling a pattern runs Python code in proportion to its length: the text
reader's tables of furniture words, month names and datelines in ten
languages cost more to compile than to run on a whole story. Declared with
:class:`LazyPattern`, each is compiled once, by the first line that needs it;
a story that never reaches a pattern (a Chinese dateline in an English story,
the terminal-escaping of a message never printed) never compiles it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["LazyPattern", "LiteralStarts", "WholeLineTable", "case_key", "literal_prefix"]


#: The methods of a compiled pattern a :class:`LazyPattern` offers.
_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "split")


class LazyPattern:
    """A compiled :class:`re.Pattern`'s methods, with the compiling done on their first call.

    Once compiled, the compiled pattern's own methods stand in for this class's on the instance, so a pattern
    in a loop costs what a compiled one does. Matches come from the compiled pattern:
    ``match.re is lazy.compiled``.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The pattern, compiled on first use and kept (``re``'s own cache is small and shared)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
            self.__dict__.update((name, getattr(compiled, name)) for name in _METHODS)
        return compiled

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """:meth:`re.Pattern.match`."""
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """:meth:`re.Pattern.fullmatch`."""
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """:meth:`re.Pattern.search`."""
        return self.compiled.search(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        """:meth:`re.Pattern.finditer`."""
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        """:meth:`re.Pattern.findall`."""
        return self.compiled.findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        """:meth:`re.Pattern.sub`."""
        return self.compiled.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        """:meth:`re.Pattern.split`."""
        return self.compiled.split(string, maxsplit)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def case_key(text: str) -> str:
    """``text`` with case folded as a case-insensitive pattern sees it: two characters ``re.IGNORECASE`` takes
    for the same (``k``/``K``/``\\u212a``, ``s``/``\\u017f``, ``i``/``\\u0131``/``\\u0130``, ``σ``/``ς``) give the
    same key. (Lower then upper case: what ``re`` matches, as it uses simple case mappings; ``\\u0130`` is the one
    letter whose full lower case is two characters.)"""
    return text.replace("\u0130", "i").lower().upper()


class WholeLineTable:
    """Lines that are one of many phrases: ``^(?:phrase|phrase|…)TAIL$``, case-insensitive, matched as the one
    pattern would be, but compiled a few phrases at a time, as lines need them.

    Each phrase (each top-level alternative, a leading group spread over its alternatives) that starts with
    two literal letters is filed under its whole literal start (``related``, ``view ``, ``share``; as
    :func:`case_key` gives it), and the starts under their first two letters. A line is matched only against
    the phrases whose literal start it begins with, then against the phrases that start with anything else (a
    character class, a digit, a wildcard). No other phrase could match it, so the answer is the one pattern's,
    and a page compiles only the phrases its short lines begin like: a line of prose whose first word starts
    no phrase compiles nothing but those others.
    """

    #: how many leading letters file a phrase's literal start
    KEY = 2

    def __init__(self, phrases: list[str], tail: str, flags: int) -> None:
        #: the one pattern this table answers for
        self.pattern = r"^(?:" + "|".join(phrases) + r")" + tail + r"$"
        self.flags = flags
        self._tail = tail
        starts: dict[str, dict[str, list[str]]] = {}
        others: list[str] = []
        longest = 0
        for phrase in (p for alternative in phrases for p in _spread(alternative)):
            prefix = literal_prefix(phrase)
            key = case_key(prefix[:self.KEY])
            if len(prefix) < self.KEY or len(key) != self.KEY:
                others.append(phrase)
            else:
                starts.setdefault(key, {}).setdefault(case_key(prefix), []).append(phrase)
                longest = max(longest, len(prefix))
        #: first two letters -> [(literal start, its phrases)], in the phrases' order
        self._filed = {key: list(by_start.items()) for key, by_start in starts.items()}
        #: the most characters of a line any literal start spans
        self._longest = longest
        #: literal start -> its phrases compiled, for the starts lines have needed so far
        self._compiled: dict[str, re.Pattern[str]] = {}
        self._others = LazyPattern(self._whole(others), flags) if others else None

    def _whole(self, phrases: list[str]) -> str:
        """The pattern of a line that is one of ``phrases``."""
        return r"^(?:" + "|".join(phrases) + r")" + self._tail + r"$"

    def _group(self, start: str, phrases: list[str]) -> re.Pattern[str]:
        """The phrases filed under ``start``, compiled the first time a line needs them."""
        compiled = self._compiled.get(start)
        if compiled is None:
            compiled = self._compiled[start] = re.compile(self._whole(phrases), self.flags)
        return compiled

    def match(self, line: str) -> re.Match[str] | None:
        """The match of ``line`` as a whole, or None (the match of one group of phrases: test it for None)."""
        filed = self._filed.get(case_key(line[:self.KEY]))
        if filed is not None:
            head = case_key(line[:self._longest])
            for start, phrases in filed:
                if head.startswith(start):
                    match = self._group(start, phrases).match(line)
                    if match is not None:
                        return match
        return self._others.match(line) if self._others is not None else None


class LiteralStarts:
    """What every line a case-insensitive pattern matches at its start begins with: one of the literal starts of
    its phrases (``By``, ``Von``, ``Автор``…, as :func:`case_key` gives them). Checked before the pattern is
    run, it keeps most lines from the pattern, and a story none of whose lines begin so from compiling it.

    ``pattern`` is the part after the ``^``; a phrase with no literal start (a character class, a wildcard)
    makes every line a candidate.
    """

    def __init__(self, pattern: str) -> None:
        starts = [literal_prefix(phrase) for phrase in _spread(pattern)]
        #: the case keys of the starts, or None when some phrase has none (every line may then match)
        self.keys: tuple[str, ...] | None = (tuple(dict.fromkeys(case_key(start) for start in starts))
                                             if all(starts) else None)
        self._longest = max(map(len, starts), default=0)

    def could_start(self, line: str) -> bool:
        """False when ``line`` begins with none of the starts, so the pattern cannot match it."""
        return self.keys is None or case_key(line[:self._longest]).startswith(self.keys)

    def could_occur_in(self, text: str) -> bool:
        """False when ``text`` holds none of the starts anywhere, so the pattern, searched for, cannot be found."""
        if self.keys is None:
            return True
        key = case_key(text)
        return any(start in key for start in self.keys)


#: The parts of a pattern that matter to its structure: an escape and a character class (taken whole, so their
#: ``(``, ``)`` and ``|`` are characters), and the group brackets and bars themselves.
_STRUCTURE = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|[()|]")


def _alternatives(pattern: str) -> list[str]:
    """``pattern`` split at its top-level ``|`` (not inside a group or a character class)."""
    if "(" not in pattern and "[" not in pattern and "\\" not in pattern:
        return pattern.split("|")  # no group, class or escape: every bar is a top-level one
    parts, depth, start = [], 0, 0
    for token in _STRUCTURE.finditer(pattern):
        kind = token.group()
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
        elif kind == "|" and depth == 0:
            parts.append(pattern[start:token.start()])
            start = token.end()
    parts.append(pattern[start:])
    return parts


def _closing(pattern: str, opening: int) -> int:
    """The index of the ``)`` that closes the group opened at ``opening``."""
    depth = 0
    for token in _STRUCTURE.finditer(pattern, opening):
        kind = token.group()
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
            if depth == 0:
                return token.start()
    raise ValueError(f"unbalanced group in {pattern!r}")


def _spread(pattern: str) -> list[str]:
    """The phrases ``pattern`` is an alternation of, a leading group spread over its alternatives:
    ``(?:a|b)c`` is ``ac`` and ``bc``, ``(?:a )?c`` is ``a c`` and ``c``: the same lines, more phrases with a
    literal start."""
    phrases = []
    for alternative in _alternatives(pattern):
        if not alternative.startswith("(?:"):
            phrases.append(alternative)
            continue
        end = _closing(alternative, 0)
        inner, rest = alternative[3:end], alternative[end + 1:]
        if rest[:1] in ("*", "+", "{") or rest[:2] == "?+":  # repeated, or possessive: left whole
            phrases.append(alternative)
        elif rest[:1] == "?":  # optional (greedy or lazy alike: the same lines match)
            rest = rest[2:] if rest[1:2] == "?" else rest[1:]
            phrases += _spread(f"(?:{inner}){rest}") + _spread(rest)
        else:
            phrases += [p for part in _alternatives(inner) for p in _spread(part + rest)]
    return phrases


#: The characters with a meaning in a pattern: a phrase's literal start ends before the first of them.
_SPECIAL = re.compile(r"[\\.^$*+?{}\[\]()|]")


def literal_prefix(phrase: str) -> str:
    """The characters every match of ``phrase`` starts with: its leading literal characters (an escaped
    punctuation mark, ``\\(``, is one), up to the first other special character or the first character made
    optional by what follows it (``?``, ``*``, ``{``; a ``+`` keeps the character before it, and ends the start
    there)."""
    prefix, start = [], 0
    while True:
        special = _SPECIAL.search(phrase, start)
        end = special.start() if special is not None else len(phrase)
        escaped = phrase[end + 1:end + 2] if phrase[end:end + 1] == "\\" else ""
        if escaped and not escaped.isalnum():  # an escaped punctuation mark stands for itself
            prefix.append(phrase[start:end])
            following = phrase[end + 2:end + 3]
            if following in ("?", "*", "{"):
                break
            prefix.append(escaped)
            if following == "+":
                break
            start = end + 2
            continue
        if end > start and phrase[end:end + 1] in ("?", "*", "{"):
            end -= 1
        prefix.append(phrase[start:end])
        break
    return "".join(prefix)
