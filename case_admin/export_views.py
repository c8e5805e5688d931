"""CSV and XLSX exports of the dashboard tables (issue 4)."""

from __future__ import annotations
