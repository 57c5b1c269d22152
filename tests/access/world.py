"""The shared world for the access matrix: objects that belong to `patient`.

Apps add what their URLs need in `build_world` (keep each addition in its own block).
"""

from __future__ import annotations


def build_world(*, patient, other_patient, practitioner, front_desk, manager) -> dict:
    world: dict = {
        "patient": patient,
        "other_patient": other_patient,
        "practitioner": practitioner,
        "front_desk": front_desk,
        "manager": manager,
    }
    # --- scheduling ---
    # --- patients ---
    # --- plans ---
    return world
