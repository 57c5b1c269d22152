"""The clinic's sciatica courses (FACTS.md): acute 3-6 sessions, chronic 8-12, and the Tu 2024 course."""

from django.db import migrations

DELPHI_POINTS = ["EX-B2", "BL40", "GB30", "GB34", "BL54", "BL57", "ASHI"]
TU_2024_POINTS = ["EX-B2", "BL54", "BL36", "GB30", "GB34"]

TEMPLATES = [
    {
        "name": "Sciatica - acute",
        "acuity": "acute",
        "sessions_min": 3,
        "sessions_max": 6,
        "sessions_default": 4,
        "cadence": [2, 2, 1],
        "review_sessions": [3],
        "point_codes": DELPHI_POINTS,
        "description": (
            "A short course for pain that started recently: two sessions a week for the first two weeks, "
            "then one a week. At the third session we check your scores together and decide what comes next."
        ),
    },
    {
        "name": "Sciatica - chronic",
        "acuity": "chronic",
        "sessions_min": 8,
        "sessions_max": 12,
        "sessions_default": 10,
        "cadence": [2, 2, 2, 2, 1],
        "review_sessions": [4],
        "point_codes": DELPHI_POINTS,
        "description": (
            "A longer course for pain that has lasted more than three months: two sessions a week for four weeks, "
            "then one a week. At the fourth session we look at your scores together and decide whether to carry on "
            "as planned or change the plan."
        ),
    },
    {
        "name": "Sciatica - chronic (Tu 2024)",
        "acuity": "chronic",
        "sessions_min": 8,
        "sessions_max": 12,
        "sessions_default": 10,
        "cadence": [3, 3, 2, 2],
        "review_sessions": [4],
        "point_codes": TU_2024_POINTS,
        "description": (
            "Ten sessions over four weeks, the course used in a large trial of acupuncture for long-standing "
            "sciatica. At the fourth session we look at your scores together."
        ),
    },
]


def seed(apps, schema_editor):
    PlanTemplate = apps.get_model("plans", "PlanTemplate")
    Service = apps.get_model("clinic", "Service")
    follow_up = Service.objects.filter(kind="follow_up", active=True).order_by("id").first()
    for t in TEMPLATES:
        PlanTemplate.objects.get_or_create(
            name=t["name"], defaults={**t, "condition": "sciatica", "follow_up_service": follow_up}
        )


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial"), ("clinic", "0004_load_acupuncture_points")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
