"""Integrity-adjusted SAKIP score: the WBS findings of an agency weighed against its score.

A local policy default [D], not a regulation (DOMAIN.md, "Integrity link"): no rule sets
such a penalty. It is a ranking aid only: the official SAKIP score and predikat are never
changed, and wherever the adjusted score is shown its formula is shown with it
(IntegrityFormula.describe). Every number of the formula is a parameter a Pemda can set.
No Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from wbs.sakip.achievement import HUNDRED, Number, SakipInputError, as_decimal
from wbs.sakip.evaluation import ScoreOutOfRange

# DOMAIN.md, Integrity link [D]: ringan (minor) 1, sedang (moderate) 3, berat (serious) 5;
# the same weights as the agency ranking of the statistics (wbs.stats_queries).
DEFAULT_SEVERITY_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {"ringan": 1, "sedang": 3, "berat": 5}
)

# English, %-style like flask_babel's gettext: a page shows it translated by passing
# _("...same placeholders...") to describe().
DESCRIPTION = (
    "Integrity-adjusted score = SAKIP score − min(%(cap)s, findings per %(per_staff)s staff"
    " × %(factor)s) × (1 − follow-up rate ÷ %(follow_up_divisor)s). Findings: the sum of the"
    " severity weights of the substantiated cases (%(weights)s). Follow-up rate: substantiated"
    " cases with follow-up done ÷ substantiated cases. A ranking aid only: the official score"
    " and predicate are not changed."
)


def _english_number(value: Decimal | int) -> str:
    return f"{value:,}"


@dataclass(frozen=True)
class IntegrityFormula:
    """adjusted = SAKIP score − min(cap, findings per ``per_staff`` staff × factor)
    × (1 − follow-up rate ÷ follow_up_divisor)   (DOMAIN.md, Integrity link [D]).

    With the defaults: at most 10 points off, reached at 5 weighted findings per 1,000
    staff; a complete follow-up halves the penalty.
    """

    cap: Decimal = Decimal(10)
    factor: Decimal = Decimal(2)
    per_staff: int = 1000
    follow_up_divisor: Decimal = Decimal(2)
    severity_weights: Mapping[str, Number] = field(default_factory=lambda: DEFAULT_SEVERITY_WEIGHTS)

    def __post_init__(self) -> None:
        for name in ("cap", "factor", "follow_up_divisor"):
            value = as_decimal(getattr(self, name), name)
            object.__setattr__(self, name, value)  # an int given is kept as a Decimal
            if value < 0 or (name == "follow_up_divisor" and value < 1):
                raise SakipInputError("invalid_formula", f"{name} cannot be {value}")
        if isinstance(self.per_staff, bool) or not isinstance(self.per_staff, int):
            raise TypeError("per_staff must be an int")
        if self.per_staff <= 0:
            raise SakipInputError("invalid_formula", "per_staff must be above zero")
        for severity, weight in self.severity_weights.items():
            if as_decimal(weight, f"weight of {severity}") < 0:
                raise SakipInputError("invalid_formula", f"the weight of {severity} is below 0")

    def describe(
        self,
        template: str = DESCRIPTION,
        number: Callable[[Decimal | int], str] = _english_number,
    ) -> str:
        """The formula as text with this formula's numbers filled in. ``number`` formats
        them (the page passes flask_babel's format_decimal for "1.000" in Indonesian)."""
        weights = ", ".join(
            f"{severity} {number(weight)}" for severity, weight in self.severity_weights.items()
        )
        return template % {
            "cap": number(self.cap),
            "factor": number(self.factor),
            "per_staff": number(self.per_staff),
            "follow_up_divisor": number(self.follow_up_divisor),
            "weights": weights,
        }


DEFAULT_FORMULA = IntegrityFormula()


@dataclass(frozen=True)
class CaseFindings:
    """An agency's WBS cases of one year: ``substantiated`` cases, those of them per
    severity (a substantiated case not yet graded is in no severity: it weighs nothing but
    counts for the follow-up rate), and those whose follow-up (tindak lanjut) is done."""

    substantiated: int
    by_severity: Mapping[str, int]
    follow_up_done: int


@dataclass(frozen=True)
class IntegrityScore:
    """The official score, untouched, beside the adjusted one and every figure between.

    ``findings_per_staff`` is per ``formula.per_staff`` staff. No substantiated case: no
    penalty (0) and no follow-up rate. No staff count (missing or 0): nothing computed,
    ``reason`` "missing_staff". Penalty and adjusted score are unrounded (round2 to show);
    the adjusted score is not floored at zero: it is the formula's value.
    """

    official_score: Decimal
    penalty: Decimal | None
    adjusted_score: Decimal | None
    weighted_findings: Decimal
    findings_per_staff: Decimal | None
    follow_up_rate: Decimal | None
    staff: int | None
    findings: CaseFindings
    formula: IntegrityFormula
    reason: Literal["missing_staff"] | None = None


def integrity_adjusted(
    official_score: Number,
    findings: CaseFindings,
    staff: int | None,
    formula: IntegrityFormula = DEFAULT_FORMULA,
) -> IntegrityScore:
    """The integrity-adjusted score of one agency and year (DOMAIN.md, Integrity link [D]).

    The staff count is checked first: without it nothing is computed, even for an agency
    without cases, so that a ranking shows the gap in the data instead of hiding it.
    """
    official = as_decimal(official_score, "official score")
    if not 0 <= official <= HUNDRED:
        raise ScoreOutOfRange("total_out_of_range", f"a SAKIP score is 0..100, not {official}")
    weighted = weighted_findings(findings, formula)
    if staff is not None and (isinstance(staff, bool) or not isinstance(staff, int)):
        raise TypeError("staff must be an int")
    if staff is not None and staff < 0:
        raise SakipInputError("negative_staff", f"the staff count is {staff}")
    penalty: Decimal | None = None
    per_staff: Decimal | None = None
    rate: Decimal | None = None
    if staff:
        per_staff = weighted * formula.per_staff / staff
        penalty, rate = _penalty(per_staff, findings, formula)
    return IntegrityScore(
        official_score=official,
        penalty=penalty,
        adjusted_score=None if penalty is None else official - penalty,
        weighted_findings=weighted,
        findings_per_staff=per_staff,
        follow_up_rate=rate,
        staff=staff,
        findings=findings,
        formula=formula,
        reason=None if staff else "missing_staff",
    )


def _penalty(
    per_staff: Decimal, findings: CaseFindings, formula: IntegrityFormula
) -> tuple[Decimal, Decimal | None]:
    """min(cap, findings per staff × factor) × (1 − follow-up rate ÷ divisor), and the rate.

    No substantiated case: no penalty and no rate (DOMAIN.md, Integrity link [D]).
    """
    substantiated, done = findings.substantiated, findings.follow_up_done
    if substantiated == 0:
        return Decimal(0), None
    # 1 − (done ÷ substantiated) ÷ divisor as one fraction, (divisor × s − done) ÷ (divisor × s):
    # a single division, exact whenever the result has a finite decimal form.
    whole = formula.follow_up_divisor * substantiated
    penalty = min(formula.cap, per_staff * formula.factor) * (whole - done) / whole
    return penalty, Decimal(done) / substantiated


def weighted_findings(
    findings: CaseFindings, formula: IntegrityFormula = DEFAULT_FORMULA
) -> Decimal:
    """Σ severity weight × substantiated cases of that severity, after checking the counts."""
    counts = [findings.substantiated, findings.follow_up_done, *findings.by_severity.values()]
    if any(isinstance(n, bool) or not isinstance(n, int) for n in counts):
        raise TypeError("case counts must be ints")
    if any(n < 0 for n in counts):
        raise SakipInputError("negative_count", "a case count is below zero")
    if sum(findings.by_severity.values()) > findings.substantiated:
        raise SakipInputError("severity_over_count", "more graded cases than substantiated ones")
    if findings.follow_up_done > findings.substantiated:
        raise SakipInputError("follow_up_over_count", "more followed up than substantiated")
    unknown = set(findings.by_severity) - set(formula.severity_weights)
    if unknown:
        raise SakipInputError("unknown_severity", f"no weight for {sorted(unknown)}")
    return sum(
        (
            as_decimal(formula.severity_weights[severity], severity) * count
            for severity, count in findings.by_severity.items()
        ),
        Decimal(0),
    )
