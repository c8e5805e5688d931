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
from operator import mul
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
    return roll_up_figures(
        [child.key for child in children],
        [child.value for child in children],
        [child.weight for child in children],
        bands,
    )


def roll_up_figures(
    keys: Sequence[str],
    values: Sequence[Number | None],
    weights: Sequence[Number | None],
    bands: Sequence[CategoryBand] = CATEGORY_BANDS,
) -> Rollup:
    """``roll_up`` of children given as three parallel sequences (each child's key, value
    and weight, as in ChildCapaian): for callers holding their children as rows (the
    ranking of every agency reads 120,000 indicators) rather than a ChildCapaian each.
    The common input, Decimals read from the database, is checked without a Python loop;
    any other goes through as_decimal, child by child, as before."""
    if not len(keys) == len(values) == len(weights):
        raise ValueError("keys, values and weights must be as long as each other")
    if len(set(keys)) != len(keys):
        raise SakipInputError("duplicate_child", "each child appears once")
    factors: Sequence[Decimal]
    if weights and _finite_decimals(weights) and min(weights) >= 0:  # type: ignore[type-var,operator]
        # The common case (weights read from the database): checked at C speed.
        factors = weights  # type: ignore[assignment]
        method: RollupMethod = "equal_mean" if len(set(weights)) == 1 else "weighted_mean"
    else:
        method = _method(weights)
        # Every child's weight is checked, those without a value too.
        factors = [_weight(key, weight) for key, weight in zip(keys, weights, strict=True)]
    present: Sequence[Decimal] = [value for value in values if value is not None]  # type: ignore[misc]
    missing: tuple[str, ...] = ()
    if len(present) < len(values):
        missing = tuple(key for key, value in zip(keys, values, strict=True) if value is None)
        factors = [
            factor for factor, value in zip(factors, values, strict=True) if value is not None
        ]
    if not _finite_decimals(present):
        present = [
            as_decimal(value, f"capaian of {key}")
            for key, value in zip(keys, values, strict=True)
            if value is not None
        ]
    if not present:
        gap: RollupGap = "no_children" if not keys else "no_values"
        return Rollup(None, method, 0, missing, None, gap)
    # Σ weight and Σ weight × capaian over the children with a value, in their order.
    total_weight = sum(factors, Decimal(0))
    if total_weight == 0:
        return Rollup(None, method, len(present), missing, None, "zero_weight")
    value = sum(map(mul, factors, present), Decimal(0)) / total_weight
    return Rollup(value, method, len(present), missing, category_of(value, bands))


def _finite_decimals(numbers: Sequence[object]) -> bool:
    """Every item is a finite Decimal: the common case, tested without a Python loop."""
    kinds = set(map(type, numbers))
    return (not kinds or kinds == {Decimal}) and all(map(Decimal.is_finite, numbers))  # type: ignore[arg-type]


def _method(weights: Sequence[Number | None]) -> RollupMethod:
    """ "equal_mean" when no child has a weight or all have the same one (the default
    weight 1 of every node gives the equal mean, and says so); else "weighted_mean"."""
    if all(weight is None for weight in weights):
        return "equal_mean"
    if any(weight is None for weight in weights):
        raise SakipInputError("mixed_weights", "set a weight on every child or on none")
    distinct = {as_decimal(weight, "weight") for weight in weights if weight is not None}
    return "equal_mean" if len(distinct) == 1 else "weighted_mean"


def _weight(key: str, weight: Number | None) -> Decimal:
    if weight is None:
        return Decimal(1)
    checked = as_decimal(weight, f"weight of {key}")
    if checked < 0:
        raise SakipInputError("negative_weight", f"the weight of {key} is below zero")
    return checked


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
