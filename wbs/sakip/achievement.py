"""Capaian of one performance indicator, its category, and the number helpers of wbs.sakip.

*Capaian* (achievement) is how far the *realisasi* (what the agency achieved in the period)
reaches the *target* of an indicator, as a percentage. It is computed exactly with
``Decimal``; inputs are ``Decimal`` or ``int``, never ``float`` (0.1 typed as a float is not
0.1, and a score must be reproducible to the cent). No Flask, no SQLAlchemy.

Rules: /work/shared/DOMAIN.md, "Indicator achievement (capaian)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Number = Decimal | int
Polarity = Literal["higher", "lower", "range"]
POLARITIES: tuple[Polarity, ...] = ("higher", "lower", "range")
# Why a capaian could not be computed: shown to the user as "no value", never as 0 %.
MissingReason = Literal["missing_target", "zero_target", "negative_target", "missing_realisation"]
Target = Number | tuple[Number | None, Number | None] | None

HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


class SakipInputError(ValueError):
    """An input no rule can be applied to (a reversed range, an unknown answer...).

    ``reason`` is a stable code for the caller (a form shows its own message for it);
    the text is for logs and tracebacks. Missing data is not an error: it gives None.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


# --- numbers ---------------------------------------------------------------------------------


def as_decimal(value: Number, name: str) -> Decimal:
    """``value`` as a finite Decimal; Decimal and int only.

    A float is refused (TypeError) rather than converted: Decimal(0.1) is
    0.1000000000000000055511151231257827..., not the 0.1 someone typed. bool is refused
    too, although it is an int subclass.
    """
    if value.__class__ is Decimal and value.is_finite():
        # The common case first, a Decimal read from the database: no copy, no isinstance
        # (the ranking of every agency checks 120,000 of them).
        return value
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise SakipInputError("not_finite", f"{name} must be a finite number, not {result}")
    return result


def round2(value: Decimal) -> Decimal:
    """``value`` to 2 decimals, half up (half away from zero: 2.005 → 2.01, −2.005 → −2.01).

    The display rounding of every percentage and score in e-SAKIP, and the rounding applied
    before a category, predicate or colour is read, so what is shown and how it is
    classified always agree (DOMAIN.md, SAKIP evaluation: "rounded to 2 decimals before
    the predicate is read" [P]).
    """
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- categories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryBand:
    """One class of the achievement scale: ``minimum`` is inclusive; None means no floor."""

    code: str
    label: str  # the Indonesian name, as the scale writes it
    minimum: Decimal | None


# DOMAIN.md, Indicator achievement [P]: the Permendagri 86/2017 scale, ≥ 91 Sangat Tinggi,
# 76-90 Tinggi, 66-75 Sedang, 51-65 Rendah, ≤ 50 Sangat Rendah. The scale is written for
# whole numbers and leaves gaps (90 < x < 91, ...). We close them with contiguous half-open
# intervals that keep every whole number where the scale puts it: each class starts at its
# written lower bound (inclusive) and ends just below the next class's lower bound.
#   Sangat Tinggi  x ≥ 91
#   Tinggi         76 ≤ x < 91   (so 90.5 is Tinggi: 91 is the written minimum of the top class)
#   Sedang         66 ≤ x < 76   (75.5 is Sedang)
#   Rendah         51 ≤ x < 66   (65.5 is Rendah)
#   Sangat Rendah  x < 51        (50.5 is Sangat Rendah; negatives too)
# The value is rounded to 2 decimals first (round2), so 90.995 shows as 91.00 and is
# Sangat Tinggi. A Pemda with another Perbup scale passes its own bands.
CATEGORY_BANDS: tuple[CategoryBand, ...] = (
    CategoryBand("sangat_tinggi", "Sangat Tinggi", Decimal(91)),
    CategoryBand("tinggi", "Tinggi", Decimal(76)),
    CategoryBand("sedang", "Sedang", Decimal(66)),
    CategoryBand("rendah", "Rendah", Decimal(51)),
    CategoryBand("sangat_rendah", "Sangat Rendah", None),
)


def category_of(capaian: Number, bands: Sequence[CategoryBand] = CATEGORY_BANDS) -> CategoryBand:
    """The class of a capaian (in %), read on its value rounded to 2 decimals.

    ``bands`` go from the highest minimum down and end with a band without a floor.
    """
    shown = round2(as_decimal(capaian, "capaian"))
    for band in bands:
        if band.minimum is None or shown >= band.minimum:
            return band
    raise SakipInputError("incomplete_bands", "the last category band must have no minimum")


# --- capaian ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capaian:
    """The achievement of one indicator, in percent.

    ``raw`` is the formula's value, unrounded and never capped: it may exceed 100 and, for
    lower-is-better, be negative (realisasi above twice the target). ``value`` is what
    roll-ups use: ``raw``, or the cap when a cap is set and ``raw`` exceeds it. Both are
    None (with ``reason``) when the capaian cannot be computed; a missing value is never
    zero. ``category`` is read on ``raw``: the cap is a roll-up setting, not a judgement
    of what was achieved.
    """

    raw: Decimal | None
    value: Decimal | None
    category: CategoryBand | None
    reason: MissingReason | None = None

    @property
    def capped(self) -> bool:
        return self.raw is not None and self.value != self.raw


def indicator_capaian(
    polarity: Polarity,
    target: Target,
    realisasi: Number | None,
    *,
    cap: Number | None = None,
    bands: Sequence[CategoryBand] = CATEGORY_BANDS,
) -> Capaian:
    """Capaian of one indicator (DOMAIN.md, Indicator achievement [R]).

    - ``"higher"`` (higher is better): realisasi / target × 100.
    - ``"lower"`` (lower is better): (2 − realisasi / target) × 100; target 7 months,
      realisasi 6.5 → 107.14 %. Above twice the target the value goes below zero; it is
      kept as computed (the raw figure stays honest) and is Sangat Rendah.
    - ``"range"``: ``target`` is a (low, high) pair. The rule only says "above the range use
      the upper bound, below it the lower bound" [R]; the polarity follows from the range
      itself. Inside the range (bounds included) the target is fully met: 100 %. Above it
      the realisasi overshot, and the further above the worse: lower-is-better against the
      upper bound, (2 − realisasi / high) × 100. Below it the further below the worse:
      higher-is-better against the lower bound, realisasi / low × 100. Both formulas give
      exactly 100 at their bound, so the capaian does not jump at the edges of the range.

    A target that is missing, zero (no division) or negative (the ratio reads backwards)
    gives no capaian: None with ``reason``, never a ZeroDivisionError. The target is checked
    before the realisasi: it is the fault that stays after the realisasi arrives. For a
    range the lower bound must not be negative, and a zero bound matters only when it is
    the one divided by. A missing realisasi gives None with "missing_realisation".

    ``cap`` (default None, off; 100 or 120 are common [P]) limits ``value``, not ``raw``.
    """
    _check_polarity(polarity)
    limit = cap_limit(cap)
    raw, reason = raw_capaian(polarity, target, realisasi)
    if raw is None:
        return Capaian(None, None, None, reason)
    return Capaian(raw, capped(raw, limit), category_of(raw, bands))


def raw_capaian(
    polarity: Polarity, target: Target, realisasi: Number | None
) -> tuple[Decimal | None, MissingReason | None]:
    """``indicator_capaian``'s formula alone: the raw capaian (unrounded, uncapped), or
    None with the reason. For callers that only roll capaian up (the ranking of every
    agency's whole tree), without the category of each indicator."""
    _check_polarity(polarity)
    if polarity == "range":
        return _range_capaian(target, realisasi)
    if isinstance(target, tuple):
        raise SakipInputError("range_target", f"a {polarity!r} target is one number")
    return _single_capaian(polarity, target, realisasi)


def cap_limit(cap: Number | None) -> Decimal | None:
    """The cap as a Decimal (None: off); SakipInputError "invalid_cap" unless above zero."""
    if cap is None:
        return None
    limit = as_decimal(cap, "cap")
    if limit <= 0:
        raise SakipInputError("invalid_cap", f"the cap must be above zero, not {limit}")
    return limit


def capped(raw: Decimal, limit: Decimal | None) -> Decimal:
    """What roll-ups use (``Capaian.value``): ``raw``, or the cap when ``raw`` exceeds it."""
    return raw if limit is None or raw <= limit else limit


def _check_polarity(polarity: str) -> None:
    if polarity not in POLARITIES:
        raise SakipInputError("unknown_polarity", f"polarity must be one of {POLARITIES}")


def _divisor_problem(bound: Decimal) -> MissingReason | None:
    if bound == 0:
        return "zero_target"
    if bound < 0:
        return "negative_target"
    return None


def _single_capaian(
    polarity: Polarity, target: Number | None, realisasi: Number | None
) -> tuple[Decimal | None, MissingReason | None]:
    if target is None:
        return None, "missing_target"
    goal = as_decimal(target, "target")
    problem = _divisor_problem(goal)
    if problem is not None:
        return None, problem
    if realisasi is None:
        return None, "missing_realisation"
    actual = as_decimal(realisasi, "realisasi")
    if polarity == "higher":
        return higher_is_better(goal, actual), None
    return lower_is_better(goal, actual), None


def _range_capaian(
    target: Target, realisasi: Number | None
) -> tuple[Decimal | None, MissingReason | None]:
    if target is None:
        return None, "missing_target"
    if not isinstance(target, tuple) or len(target) != 2:
        raise SakipInputError("not_a_range", "a range target is a (low, high) pair")
    if target[0] is None or target[1] is None:
        return None, "missing_target"
    low, high = as_decimal(target[0], "target low"), as_decimal(target[1], "target high")
    if low > high:
        raise SakipInputError("reversed_range", f"the range {low}-{high} is reversed")
    if low < 0:
        # A ratio against a negative bound reads backwards; no rule covers it.
        return None, "negative_target"
    if realisasi is None:
        return None, "missing_realisation"
    actual = as_decimal(realisasi, "realisasi")
    if low <= actual <= high:
        return HUNDRED, None
    bound = high if actual > high else low
    problem = _divisor_problem(bound)
    if problem is not None:
        return None, problem
    if actual > high:
        return lower_is_better(high, actual), None
    return higher_is_better(low, actual), None


def higher_is_better(target: Decimal, realisasi: Decimal) -> Decimal:
    """realisasi / target × 100 [R], multiplied first so that the result is exact whenever
    it can be written in decimals. ``target`` must be positive."""
    return realisasi * HUNDRED / target


def lower_is_better(target: Decimal, realisasi: Decimal) -> Decimal:
    """(2 − realisasi / target) × 100 [R], computed as (2 × target − realisasi) × 100 /
    target: the same number, with a single division. ``target`` must be positive."""
    return (2 * target - realisasi) * HUNDRED / target
