"""IPTC vocabulary shared by the NewsML-G2 reader and writer and the ninjs writer.

Kept in one place so what we write is what we read back: the NAR namespace,
the catalog aliases we resolve to scheme URIs, and the marker date older
versions wrote for a story that has none (today's writer marks its stand-in
``why="why:inferred"`` instead; see :mod:`syndicate.exporters.newsml`).
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["NAR", "QCODE_SCHEMES", "MEDIATOPIC_SCHEME", "UNDATED"]

#: The NewsML-G2 (NAR) namespace.
NAR = "http://iptc.org/std/nar/2006-10-01/"
#: The IPTC Media Topic scheme URI (``medtop:`` codes).
MEDIATOPIC_SCHEME = "http://cv.iptc.org/newscodes/mediatopic/"
#: IPTC catalog aliases -> scheme URI: a subject coded in one of these is a QCode.
QCODE_SCHEMES: dict[str, str] = {
    "medtop": MEDIATOPIC_SCHEME,
    "subj": "http://cv.iptc.org/newscodes/subjectcode/",
    "genre": "http://cv.iptc.org/newscodes/genre/",
    "cpnat": "http://cv.iptc.org/newscodes/cpnature/",
}
#: ``versionCreated`` older versions wrote for a story with no date at all; still read back as "no date".
UNDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)
