"""Import and export of targets and realisations (XLSX, CSV)."""

from __future__ import annotations
