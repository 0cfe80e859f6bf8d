"""Benchmarks of the CRM's pages on PostgreSQL, reported as ratios measured in one run.

``python -m bench`` (or ``make bench``) builds its own database, serves the app with gunicorn,
drives it with locust from a second process and prints a table; see the README's "Benchmarks".
"""
