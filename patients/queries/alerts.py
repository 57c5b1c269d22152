"""Safety alerts for practitioners (My day, the chart): open red flags, standing precautions, the last review."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery

from clinic.models import AcupuncturePoint, PregnancyCaution

from ..models import HOLD_CATEGORIES, FlagCategory, Patient, ReviewDecision, SafetyFlag, SafetyReview


@dataclass
class Alerts:
    cauda_equina: list[SafetyFlag] = field(default_factory=list)
    red_flags: list[SafetyFlag] = field(default_factory=list)
    contraindications: list[SafetyFlag] = field(default_factory=list)
    precautions: list[SafetyFlag] = field(default_factory=list)
    last_review: SafetyReview | None = None

    @property
    def needs_review(self) -> bool:
        return bool(self.cauda_equina or self.red_flags)

    @property
    def referred(self) -> bool:
        return bool(self.last_review and self.last_review.decision == ReviewDecision.REFER)

    @property
    def on_hold(self) -> bool:
        return self.needs_review or self.referred

    @property
    def pregnancy(self) -> bool:
        return any(f.code == "pregnancy" for f in self.precautions)

    @property
    def any(self) -> bool:
        return bool(self.needs_review or self.referred or self.contraindications or self.precautions)


def _active_flags(patient_ids: list[int]) -> QuerySet[SafetyFlag]:
    return SafetyFlag.objects.filter(patient_id__in=patient_ids).filter(
        Q(category__in=HOLD_CATEGORIES, review__isnull=True)
        | (~Q(category__in=HOLD_CATEGORIES) & Q(withdrawn_at__isnull=True))
    )


def alerts_for_patients(patient_ids: Iterable[int]) -> dict[int, Alerts]:
    """Open red flags, standing contraindications/precautions and the last review, in two queries."""
    ids = list({int(i) for i in patient_ids})
    out = {pid: Alerts() for pid in ids}
    for flag in _active_flags(ids).order_by("raised_at", "id"):
        a = out[flag.patient_id]
        {
            FlagCategory.CAUDA_EQUINA: a.cauda_equina,
            FlagCategory.RED_FLAG: a.red_flags,
            FlagCategory.CONTRAINDICATION: a.contraindications,
            FlagCategory.PRECAUTION: a.precautions,
        }[FlagCategory(flag.category)].append(flag)
    # Each patient's latest review, in the same read as the reviews (a correlated subquery): the ids used
    # to be read first, one more round trip for My day and the chart.
    latest = SafetyReview.objects.filter(patient=OuterRef("patient_id")).order_by("-created_at", "-id").values("pk")[:1]
    reviews = SafetyReview.objects.filter(patient_id__in=ids, pk=Subquery(latest)).select_related("reviewed_by")
    for review in reviews:
        out[review.patient_id].last_review = review
    return out


def patient_alerts(patient: Patient) -> Alerts:
    return alerts_for_patients([patient.pk])[patient.pk]


def pregnancy_points_to_avoid() -> list[AcupuncturePoint]:
    """The traditionally forbidden points (from the point reference data)."""
    return list(
        AcupuncturePoint.objects.filter(pregnancy_caution=PregnancyCaution.FORBIDDEN).order_by(
            "channel_code", "number", "code"
        )
    )
