"""The integrity link: WBS findings beside each agency's accountability score, and the integrity-adjusted ranking."""

from __future__ import annotations
