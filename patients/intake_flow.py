"""The new-patient intake as an ordered list of steps. Pure data, no ORM.

Each step is one section of one questionnaire (or the consent form), short enough for a phone
screen. The safety questions come second, right after "where it hurts": a patient with cauda
equina signs should be told to go to hospital within two minutes, not after forty questions.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSENT_KEY = "acupuncture_consent"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    instrument: str
    section: str | None = None  # None: the consent form

    @property
    def is_consent(self) -> bool:
        return self.section is None


STEPS: tuple[Step, ...] = (
    Step("where", "Where you feel it", "sciatica_intake", "where"),
    Step("warning-signs", "Warning signs", "safety_screening", "warning_signs"),
    Step("health", "Your health and medicines", "safety_screening", "health"),
    Step("treatments", "What you have tried", "sciatica_intake", "treatments"),
    Step("pain-scores", "How strong the pain is", "sciatica_intake", "scores"),
    Step("daily-life", "Sleep, stress and goals", "sciatica_intake", "life"),
    Step("function", "Everyday activities", "function_index", "function"),
    Step("consent", "Consent", CONSENT_KEY),
)
SLUGS = tuple(s.slug for s in STEPS)
INSTRUMENTS = tuple(dict.fromkeys(s.instrument for s in STEPS if not s.is_consent))


def step(slug: str) -> Step:
    for s in STEPS:
        if s.slug == slug:
            return s
    raise KeyError(slug)


def position(slug: str) -> int:
    """1-based position of a step, for "Step 2 of 8"."""
    return SLUGS.index(slug) + 1


def first_missing(done: list[str] | tuple[str, ...]) -> Step | None:
    for s in STEPS:
        if s.slug not in done:
            return s
    return None


def may_open(slug: str, done: list[str] | tuple[str, ...]) -> bool:
    """A step is open once every step before it is saved (going back is always allowed)."""
    return all(s in done for s in SLUGS[: SLUGS.index(slug)])


def previous(slug: str) -> Step | None:
    i = SLUGS.index(slug)
    return STEPS[i - 1] if i > 0 else None


def steps_of(instrument: str) -> list[Step]:
    return [s for s in STEPS if s.instrument == instrument]
