from .matrix import Row, only

ROWS = {
    "patients:register": Row(anon=200, patient=302, other_patient=302, practitioner=302, front_desk=302, manager=302),
    "patients:home": only("patient"),
}
