"""Manager reports: pure computation (compute.py, outcomes.py), reads (queries.py), charts (svg.py), views."""
