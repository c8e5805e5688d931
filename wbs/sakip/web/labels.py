"""Names of e-SAKIP codes in the reader's language (the codes are stored)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

LEVEL_LABELS: dict[str, LazyString] = {
    "tujuan": _l("Goal (tujuan)"),
    "sasaran": _l("Objective (sasaran)"),
    "program": _l("Programme"),
    "kegiatan": _l("Activity (kegiatan)"),
    "sub_kegiatan": _l("Sub-activity (sub kegiatan)"),
}
POLARITY_LABELS: dict[str, LazyString] = {
    "higher": _l("higher is better"),
    "lower": _l("lower is better"),
    "range": _l("within a range"),
}
PERIOD_LABELS: dict[str, LazyString] = {
    "Y": _l("Whole year"),
    "Q1": _l("Quarter I"),
    "Q2": _l("Quarter II"),
    "Q3": _l("Quarter III"),
    "Q4": _l("Quarter IV"),
    **{f"M{m:02d}": _l("Month %(number)d", number=m) for m in range(1, 13)},
}
# Why an achievement cannot be computed (wbs/sakip/achievement.py, rollup.py).
GAP_LABELS: dict[str, LazyString] = {
    "missing_target": _l("no target"),
    "zero_target": _l("target is zero"),
    "negative_target": _l("target is negative"),
    "missing_realisation": _l("no realisation yet"),
    "no_children": _l("nothing to roll up"),
    "no_values": _l("no achievement yet"),
    "zero_weight": _l("all weights are zero"),
}
