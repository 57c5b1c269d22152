from .matrix import only

ROWS = {
    "scheduling:schedule": only("practitioner", "front_desk", "manager"),
}
