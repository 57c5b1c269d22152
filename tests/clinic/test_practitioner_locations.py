"""The one read My day makes of the clinic's locations: every location, the practitioner's marked, and the
practitioner's zone from those marks by the same rule as clinic.queries.practitioner_zone."""

import pytest

from clinic.queries import locations_marking_practitioner, practitioner_zone, zone_of_locations
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_location_is_read_and_only_the_practitioners_are_marked():
    tokyo = f.LocationFactory(name="Tokyo", timezone="Asia/Tokyo")
    london = f.LocationFactory(name="London", timezone="Europe/London")
    practitioner = f.PractitionerFactory()
    practitioner.locations.add(tokyo)
    other = f.PractitionerFactory()
    other.locations.add(london)

    marked = {loc.name: loc.works_here for loc in locations_marking_practitioner(practitioner)}

    assert marked == {"Tokyo": True, "London": False}
    mine = [loc for loc in locations_marking_practitioner(practitioner) if loc.works_here]
    assert zone_of_locations(mine) == practitioner_zone(practitioner)
    assert str(zone_of_locations(mine)) == "Asia/Tokyo"
