"""Scheduling views live in two modules: patient_views (booking, my appointments, feeds) and
desk_views (the staff schedule and the front desk's booking and changes)."""
