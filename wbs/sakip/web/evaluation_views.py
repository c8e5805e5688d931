"""The yearly SAKIP evaluation: sub-component scores, LHE findings and their follow-up,
the Pemda's own result, and the risk register."""

from __future__ import annotations
