from .matrix import only

ROWS = {
    "plans:my_day": only("practitioner"),
}
