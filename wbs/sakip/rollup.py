"""Roll-up of child capaian to their parent, and the codes of the planning cascade.

The cascade (DOMAIN.md, Indicator achievement [P]) runs tujuan (goal) → sasaran
(objective) → program → kegiatan (activity) → sub kegiatan. No regulation gives a formula
for the parent's capaian: our default [D] is the weighted mean of the children's capaian,
equal weights unless set, and the method is always returned so that the page can show it.
No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from wbs.sakip.achievement import (
    CATEGORY_BANDS,
    Capaian,
    CategoryBand,
    Number,
    SakipInputError,
    as_decimal,
    category_of,
)

RollupMethod = Literal["equal_mean", "weighted_mean"]
RollupGap = Literal["no_children", "no_values", "zero_weight"]


@dataclass(frozen=True)
class ChildCapaian:
    """One child of the parent being rolled up: ``key`` names it in the result (its code).

    ``value`` is the child's capaian as used for roll-up, that is its capped value when a
    cap is set (``Capaian.value``); None when missing. ``weight`` None means "not set".
    """

    key: str
    value: Number | None
    weight: Number | None = None

    @classmethod
    def of(cls, key: str, capaian: Capaian, weight: Number | None = None) -> ChildCapaian:
        return cls(key, capaian.value, weight)


@dataclass(frozen=True)
class Rollup:
    """The parent's capaian: ``value`` None (with ``reason``) when no child counted.

    ``counted`` is how many children had a value; ``missing`` names the children without
    one, in the order given. Missing children are left out of the mean, weights included:
    the mean is over the children that reported, never a zero for the others.
    """

    value: Decimal | None
    method: RollupMethod
    counted: int
    missing: tuple[str, ...]
    category: CategoryBand | None
    reason: RollupGap | None = None


def roll_up(
    children: Sequence[ChildCapaian], bands: Sequence[CategoryBand] = CATEGORY_BANDS
) -> Rollup:
    """Weighted mean of the children's capaian [D] (DOMAIN.md, Indicator achievement).

    Either no child has a weight (equal mean) or every child has one (weighted mean,
    Σ weight × capaian ÷ Σ weight over the children with a value; the same weight on
    every child is the equal mean); weights are ≥ 0. A mix is refused rather than guessed.
    Decimal arithmetic with a single division, at the end; the value is not rounded
    (round2 is for display).
    """
    keys = [child.key for child in children]
    if len(set(keys)) != len(keys):
        raise SakipInputError("duplicate_child", "each child appears once")
    method = _method(children)
    weights = {child.key: _weight(child) for child in children}
    missing = tuple(child.key for child in children if child.value is None)
    present = [
        (weights[child.key], as_decimal(child.value, f"capaian of {child.key}"))
        for child in children
        if child.value is not None
    ]
    if not present:
        gap: RollupGap = "no_children" if not children else "no_values"
        return Rollup(None, method, 0, missing, None, gap)
    total_weight = sum((weight for weight, _ in present), Decimal(0))
    if total_weight == 0:
        return Rollup(None, method, len(present), missing, None, "zero_weight")
    value = sum((weight * capaian for weight, capaian in present), Decimal(0)) / total_weight
    return Rollup(value, method, len(present), missing, category_of(value, bands))


def _method(children: Sequence[ChildCapaian]) -> RollupMethod:
    """ "equal_mean" when no child has a weight or all have the same one (the default
    weight 1 of every node gives the equal mean, and says so); else "weighted_mean"."""
    weights = [child.weight for child in children]
    if all(weight is None for weight in weights):
        return "equal_mean"
    if any(weight is None for weight in weights):
        raise SakipInputError("mixed_weights", "set a weight on every child or on none")
    distinct = {as_decimal(weight, "weight") for weight in weights if weight is not None}
    return "equal_mean" if len(distinct) == 1 else "weighted_mean"


def _weight(child: ChildCapaian) -> Decimal:
    if child.weight is None:
        return Decimal(1)
    weight = as_decimal(child.weight, f"weight of {child.key}")
    if weight < 0:
        raise SakipInputError("negative_weight", f"the weight of {child.key} is below zero")
    return weight


# --- codes of the cascade --------------------------------------------------------------------

# The coded part of the cascade follows the national nomenclature of programmes, activities
# and sub-activities (Permendagri 90/2019, updated by Kepmendagri 050-5889/2021), DOMAIN.md
# [P]: bidang urusan 1.01 / program 1.01.02 / kegiatan 1.01.02.2.01 / sub kegiatan
# 1.01.02.2.01.0001. "1" is the urusan (affair), "01" the bidang urusan (field), "02" the
# programme, "2.01" the activity, "0001" the sub-activity. Tujuan and sasaran come from the
# RPJMD and Renstra and have no national code; they are keyed by the Pemda's own numbering.
CodeLevel = Literal["bidang_urusan", "program", "kegiatan", "sub_kegiatan"]
CASCADE: tuple[str, ...] = ("tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan")

# [0-9], not \d: \d also matches other scripts' digits ("١").
_CODE = re.compile(r"[0-9]\.[0-9]{2}(\.[0-9]{2}(\.[0-9]\.[0-9]{2}(\.[0-9]{4})?)?)?")
_LEVEL_BY_PARTS: dict[int, CodeLevel] = {
    2: "bidang_urusan",
    3: "program",
    5: "kegiatan",
    6: "sub_kegiatan",
}
# How many dot-separated parts the parent keeps: a kegiatan's "2.01" is one step.
_PARENT_PARTS: dict[int, int] = {3: 2, 5: 3, 6: 5}


@dataclass(frozen=True)
class NomenclatureCode:
    """A valid cascade code (see parse_code); ``text`` is the code as written."""

    text: str
    level: CodeLevel

    @property
    def parent(self) -> NomenclatureCode | None:
        parts = self.text.split(".")
        keep = _PARENT_PARTS.get(len(parts))
        return None if keep is None else parse_code(".".join(parts[:keep]))


def parse_code(text: str) -> NomenclatureCode:
    """Validate a code (surrounding spaces ignored); SakipInputError "invalid_code" if not
    one of the four formats 1.01 / 1.01.02 / 1.01.02.2.01 / 1.01.02.2.01.0001."""
    code = text.strip()
    if not _CODE.fullmatch(code):
        raise SakipInputError(
            "invalid_code",
            f"{text!r} is not a code like 1.01, 1.01.02, 1.01.02.2.01 or 1.01.02.2.01.0001",
        )
    return NomenclatureCode(code, _LEVEL_BY_PARTS[code.count(".") + 1])


def level_of_code(text: str) -> CodeLevel:
    return parse_code(text).level


def parent_code(text: str) -> str | None:
    """The code one level up; None for a bidang urusan (the top of the coded part)."""
    parent = parse_code(text).parent
    return None if parent is None else parent.text
