from clinic.models import AcupuncturePoint


def test_all_who_points_and_extras_are_loaded(db):
    assert AcupuncturePoint.objects.filter(channel_code="EX").count() == 3
    assert AcupuncturePoint.objects.exclude(channel_code="EX").count() == 361


def test_pregnancy_forbidden_points_are_flagged(db):
    forbidden = set(AcupuncturePoint.objects.filter(pregnancy_caution="forbidden").values_list("code", flat=True))
    assert {"LI4", "SP6", "BL60", "BL67", "GB21"} <= forbidden
    assert AcupuncturePoint.objects.get(code="EX-B2").pregnancy_caution == "check"
    assert AcupuncturePoint.objects.get(code="BL40").pregnancy_caution == "none"
