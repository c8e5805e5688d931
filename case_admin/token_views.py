"""Personal API tokens for the statistics API (issue 4)."""

from __future__ import annotations
