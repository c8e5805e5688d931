"""Realisation monitoring: budget absorption, physical progress, procurement packages, traffic lights and rankings."""

from __future__ import annotations
