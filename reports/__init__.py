"""The quarterly report: suppression of small counts, charts, and HTML / PDF / CSV rendering.

The numbers come from ``models/report.py`` (aggregated in SQL); this package only
protects and draws them. It imports no Flask, so the CLI, the dashboard and the
benchmark render the same report.
"""
