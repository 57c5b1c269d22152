"""Safety rules at the needle: what the visit form must show, ask or refuse, from the patient's alerts.

Pure: it takes flag codes, the chosen points and techniques, and returns findings. The visit service
calls it on every save (so no path skips it); the form only shows what it returned.

Levels:
- "refuse": the save is refused with the reason (pacemaker/implant + electroacupuncture);
- "acknowledge": the save needs a reason from the practitioner (pregnancy + a forbidden point);
- "check": shown and stored, no reason needed (pregnancy + a lumbosacral/lower-abdominal point);
- "banner": a precaution shown at the top of the form (anticoagulants, treat lying down, contraindications).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

REFUSE = "refuse"
ACKNOWLEDGE = "acknowledge"
CHECK = "check"
BANNER = "banner"

ANTICOAGULANT_CODES = frozenset(
    {"anticoagulant_warfarin", "anticoagulant_doac", "anticoagulant_heparin", "anticoagulant_unknown"}
)
LYING_DOWN_CODES = frozenset({"fainting", "needle_fear", "metal_allergy"})
IMPLANT_CODE = "implant"
PREGNANCY_CODE = "pregnancy"


@dataclass(frozen=True)
class ChosenPoint:
    code: str
    pregnancy_caution: str  # "forbidden", "check" or "none" (clinic.models.PregnancyCaution)


@dataclass(frozen=True)
class Finding:
    level: str
    rule: str
    message: str
    point_code: str = ""

    @property
    def key(self) -> str:
        """Names the acknowledgement field in the form: one per rule and point."""
        return f"{self.rule}:{self.point_code}" if self.point_code else self.rule


def check(
    *,
    flag_codes: Iterable[str],
    contraindications: Iterable[str] = (),
    points: Iterable[ChosenPoint] = (),
    electro: bool = False,
    first_visit: bool = False,
) -> list[Finding]:
    codes = set(flag_codes)
    out: list[Finding] = []
    if IMPLANT_CODE in codes and electro:
        out.append(
            Finding(
                REFUSE,
                "implant_electro",
                "Electroacupuncture refused: the patient has a pacemaker or another implanted electrical device.",
            )
        )
    if PREGNANCY_CODE in codes:
        for p in points:
            if p.pregnancy_caution == "forbidden":
                out.append(
                    Finding(
                        ACKNOWLEDGE,
                        "pregnancy_forbidden",
                        f"{p.code} is traditionally forbidden in pregnancy and this patient is or may be pregnant. "
                        "Give your reason to go ahead, or take the point out.",
                        p.code,
                    )
                )
            elif p.pregnancy_caution == "check":
                out.append(
                    Finding(
                        CHECK,
                        "pregnancy_check",
                        f"{p.code} lies on the lower abdomen or lumbosacral area: check first, "
                        "the patient is or may be pregnant.",
                        p.code,
                    )
                )
    if codes & ANTICOAGULANT_CODES:
        out.append(
            Finding(BANNER, "anticoagulant", "Anticoagulants: superficial, fine needles only; bleeding risk is higher.")
        )
    lying = sorted(codes & LYING_DOWN_CODES)
    if lying or first_visit:
        why = "first visit" if first_visit and not lying else ", ".join(c.replace("_", " ") for c in lying)
        if first_visit and lying:
            why = "first visit, " + why
        out.append(Finding(BANNER, "lying_down", f"Treat lying down ({why}): fainting happens with upright patients."))
    for label in contraindications:
        out.append(Finding(BANNER, "contraindication", f"Contraindication: {label}."))
    return out


def refusals(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == REFUSE]


def needing_reason(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == ACKNOWLEDGE]
