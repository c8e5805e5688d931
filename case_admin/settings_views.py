"""Settings an admin changes on the pages (issue 4: agency figures on the transparency page)."""

from __future__ import annotations
