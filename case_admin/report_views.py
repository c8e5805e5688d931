"""Printable monthly and quarterly reports, including the Zona Integritas WBS report (issue 4)."""

from __future__ import annotations
