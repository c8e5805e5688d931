"""Editing performance trees, indicators, targets and realisations."""

from __future__ import annotations
