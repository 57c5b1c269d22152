"""Patient search for the front desk: name (typos forgiven), phone (any part, any format) or date
of birth, best match first.

How (the same on SQLite and PostgreSQL, so both answer alike):
- dates and phone digits filter in SQL (`phone_digits` holds every digit of the number; on
  PostgreSQL a pg_trgm GIN index serves its "contains");
- the name words are ranked in Python with rapidfuzz over the normalised `name_key` column: one
  query of (id, name_key) for the records with a word starting like a typed word (same first two
  letters), rapidfuzz's C scorer picks the best 60, our word-by-word score orders them.
- then one query loads the winners. Three queries at most, whatever the number of patients.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from ..models import Patient, name_key

LIMIT = 20
CANDIDATES = 60
MIN_SCORE = 70.0  # below this a name is too far from what was typed to show
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y")
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")
MAX_QUERY = 100


class SearchError(ValueError):
    """Text that cannot be searched for; `message` is what the person reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)


def _as_date(token: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(token, fmt).date()
        except ValueError:
            continue
        if 1900 <= day.year <= 2100:
            return day
    return None


def parse(q: str) -> ParsedQuery:
    """Split what was typed into name words, phone digit runs and dates of birth."""
    if "\x00" in q:
        raise SearchError("The search contains a character that cannot be searched for. Please type it again.")
    if len(q) > MAX_QUERY:
        raise SearchError(f"Type at most {MAX_QUERY} characters.")
    parsed = ParsedQuery()
    q = q.strip()
    if not q:
        return parsed
    if _PHONE_CHARS.match(q) and _as_date(q) is None and not any(_as_date(t) for t in q.split()):
        digits = "".join(c for c in q if c.isdigit())
        if len(digits) >= 3:
            parsed.digits.append(digits)
            return parsed
    for token in q.split():
        day = _as_date(token)
        if day:
            parsed.dates.append(day)
        elif sum(c.isdigit() for c in token) >= 3 and _PHONE_CHARS.match(token):
            parsed.digits.append("".join(c for c in token if c.isdigit()))
        else:
            parsed.words.extend(name_key(token).split())
    return parsed


def phone_filter(digits: str) -> Q:
    """Typed digits against stored numbers, whichever of the two has the country code or the trunk 0."""
    cond = Q(phone_digits__contains=digits)
    if digits.startswith("0") and len(digits) > 3:  # a national trunk 0 against a stored +44 number
        cond |= Q(phone_digits__contains=digits[1:])
    if len(digits) > 9:  # the other way round: +44 7700 900123 typed, 07700 900123 stored
        cond |= Q(phone_digits__endswith=digits[-9:])
    return cond


def word_score(words: list[str], key: str) -> float:
    """How well the typed words fit a name (0-100).

    Each typed word takes its best name word: exact 100, a prefix 97 ("smi" finds Smith), else the
    edit similarity counting a swap of two letters as one slip ("Jonh" ~ John). The mean of those
    makes 85 points; the share of the name's words that were matched the other 15, so "Jonh Smyth"
    ranks John Smith above Jonathan Smyth-Jones.
    """
    name_words = key.split()
    if not name_words or not words:
        return 0.0
    total = 0.0
    used: set[int] = set()
    for w in words:
        best, best_i = 0.0, -1
        for i, n in enumerate(name_words):
            if n == w:
                s = 100.0
            elif len(w) >= 2 and n.startswith(w):
                s = 97.0
            else:
                s = OSA.normalized_similarity(w, n) * 100
            if s > best:
                best, best_i = s, i
        total += best
        if best >= 60:
            used.add(best_i)
    return 0.85 * total / len(words) + 15.0 * len(used) / len(name_words)


def _word_prefixes(words: list[str]) -> Q:
    """The candidates: a name with a word starting like one of the typed words (first two letters).

    A slip late in a word ("Jonh", "Smyth") keeps its first letters; a slip in the first two letters
    of one word is still found through the other word. This keeps the Python ranking to a few
    hundred names instead of every record.
    """
    cond = Q()
    for w in {w[:2] for w in words if w}:
        cond |= Q(name_key__startswith=w) | Q(name_key__contains=f" {w}")
    return cond


def find_patients(q: str, *, limit: int = LIMIT, include_archived: bool = False) -> list[Patient]:
    """The records matching `q`, best first (each with `.match_score`, 0-100). Raises SearchError."""
    parsed = parse(q)
    if not (parsed.words or parsed.digits or parsed.dates):
        return []
    qs = Patient.objects.all() if include_archived else Patient.objects.filter(archived=False)
    for day in parsed.dates:
        qs = qs.filter(date_of_birth=day)
    for digits in parsed.digits:
        qs = qs.filter(phone_filter(digits))

    if not parsed.words:
        # Rowid order, not full_name: SQLite would otherwise walk the name index over every record.
        rows = list(qs.order_by("pk")[:CANDIDATES])
        want = parsed.digits[0] if parsed.digits else ""
        for p in rows:
            setattr(p, "match_score", 100.0 if want and p.phone_digits.endswith(want) else 90.0)  # noqa: B010
        rows.sort(key=lambda p: (-getattr(p, "match_score"), p.full_name, p.pk))  # noqa: B009
        return rows[:limit]

    # No ORDER BY (the model orders by full_name): SQLite would walk that index over every record.
    keys = dict(qs.filter(_word_prefixes(parsed.words)).order_by().values_list("id", "name_key"))
    typed = " ".join(parsed.words)
    # rapidfuzz's C scorer (WRatio: typos, word order, partial names) makes the shortlist.
    shortlist = process.extract(typed, keys, scorer=fuzz.WRatio, limit=CANDIDATES, score_cutoff=50)
    scored = []
    for _key, _coarse, pk in shortlist:
        score = word_score(parsed.words, keys[pk])
        if score >= MIN_SCORE:
            scored.append((score, keys[pk], pk))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    top = scored[:limit]
    by_id = Patient.objects.in_bulk([pk for _s, _k, pk in top])
    out = []
    for score, _k, pk in top:
        p = by_id[pk]
        setattr(p, "match_score", round(score, 1))  # noqa: B010
        out.append(p)
    return out
