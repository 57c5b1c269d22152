"""Point search for the visit form: by code ("bl40", "BL 40", "ex-b2") or pinyin with or without tone marks.

The table is reference data of about 400 rows, so it is read once into memory with normalised keys and
searched there: each keystroke costs no query. The cache is dropped when the table's size changes
(tests that truncate and reload it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .models import AcupuncturePoint


@dataclass(frozen=True)
class PointRow:
    code: str
    pinyin: str
    channel_name: str
    pregnancy_caution: str
    code_key: str
    pinyin_key: str


_cache: dict[str, list[PointRow]] = {}


def normalise(text: str) -> str:
    """Lower case, tone marks and everything but letters and digits removed: "BL 40" -> "bl40"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _table() -> list[PointRow]:
    rows = _cache.get("rows")
    if rows is None or len(rows) != AcupuncturePoint.objects.count():
        rows = [
            PointRow(
                code=p.code,
                pinyin=p.pinyin,
                channel_name=p.channel_name,
                pregnancy_caution=p.pregnancy_caution,
                code_key=normalise(p.code),
                pinyin_key=normalise(p.pinyin_plain or p.pinyin),
            )
            for p in AcupuncturePoint.objects.order_by("channel_code", "number", "code")
        ]
        _cache["rows"] = rows
    return rows


def search(query: str, *, limit: int = 12) -> list[PointRow]:
    """Exact code first, then codes starting with the query, then pinyin starting with it, then containing it."""
    key = normalise(query[:64])
    if not key:
        return []
    ranked: list[tuple[int, int, PointRow]] = []
    for i, row in enumerate(_table()):
        if row.code_key == key:
            rank = 0
        elif row.code_key.startswith(key):
            rank = 1
        elif row.pinyin_key.startswith(key):
            rank = 2
        elif len(key) >= 3 and key in row.pinyin_key:
            rank = 3
        else:
            continue
        ranked.append((rank, i, row))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in ranked[:limit]]


def by_code(code: str) -> PointRow | None:
    """The point whose normalised code equals `code`'s ("bl 40" finds BL40)."""
    key = normalise(code[:64])
    return next((r for r in _table() if r.code_key == key), None) if key else None
