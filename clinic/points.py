"""Loading the acupuncture point reference data shipped in clinic/data/."""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = ("acupuncture_points.csv", "extra_points.csv")
# The CSVs code pregnancy caution as 1 (forbidden), blank (lumbosacral/abdominal: check) or 0.
_CAUTION = {"1": "forbidden", "": "check", "0": "none"}


def read_points() -> list[dict]:
    rows: list[dict] = []
    for name in FILES:
        with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                rows.append(
                    {
                        "code": r["code"].strip(),
                        "channel_code": r["channel_code"].strip(),
                        "channel_name": r["channel_name"].strip(),
                        "number": int(r["number"]) if r["number"].strip() else None,
                        "pinyin": r["pinyin"].strip(),
                        "pinyin_plain": r["pinyin_plain"].strip(),
                        "pregnancy_caution": _CAUTION[r["pregnancy_caution"].strip()],
                        "region": r["region"].strip(),
                    }
                )
    return rows


def load_points(model) -> int:
    """Insert or update every point; safe to run again."""
    existing = {p.code: p for p in model.objects.all()}
    new, changed = [], []
    fields = ["channel_code", "channel_name", "number", "pinyin", "pinyin_plain", "pregnancy_caution", "region"]
    for row in read_points():
        obj = existing.get(row["code"])
        if obj is None:
            new.append(model(**row))
        else:
            for f in fields:
                setattr(obj, f, row[f])
            changed.append(obj)
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, fields)
    return len(new) + len(changed)
