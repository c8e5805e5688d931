"""SAKIP evaluation: the score of an agency's LKE and its predikat (PermenPANRB 88/2021).

The evaluator (the Inspektorat for each OPD) fills in an LKE, *lembar kerja evaluasi*:
components, each split into sub-components, each judged through criteria answered Y/T or
A..E with evidence. The score rolls up criterion → sub-component → component → total
0-100, and the total, rounded to 2 decimals, gives the *predikat* (grade, AA..D).
Templates are data, so the legacy 12/2015 LKE is expressed with the same code.

The roll-up is done in exact fractions: a sub-component with three criteria has a mean
in thirds, and a total lying exactly on a half cent must round up as the rule says, which
28-digit Decimals cannot promise after a few thirds are added. Results are Decimals.
No Flask, no SQLAlchemy. Rules: /work/shared/DOMAIN.md, "SAKIP evaluation".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Literal, NoReturn

from wbs.sakip.achievement import HUNDRED, Number, SakipInputError, as_decimal, round2

EntryKey = tuple[str, str]  # (component code, sub-component code)
PredicateChange = Literal["improved", "unchanged", "declined", "first_year"]


class ScoreOutOfRange(SakipInputError):
    """A score outside its scale. ``reason`` is "subcomponent_score_out_of_range" (a typed
    sub-component score outside 0..its weight) or "total_out_of_range" (outside 0..100)."""


# --- answers ---------------------------------------------------------------------------------

# DOMAIN.md, SAKIP evaluation [P]: criteria are answered Y/T (1/0) or on the graded scale
# A..E; the common LKE values are A = 1, B = 0.75, C = 0.5, D = 0.25, E = 0 [P]. Data, so a
# Pemda whose LKE grades otherwise passes its own mapping on its template.
ANSWER_VALUES: Mapping[str, Decimal] = MappingProxyType(
    {
        "Y": Decimal(1),
        "T": Decimal(0),
        "A": Decimal(1),
        "B": Decimal("0.75"),
        "C": Decimal("0.5"),
        "D": Decimal("0.25"),
        "E": Decimal(0),
    }
)


# --- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubComponent:
    code: str
    name: str  # Indonesian, as the LKE writes it
    weight: Decimal


@dataclass(frozen=True)
class Component:
    code: str
    name: str
    weight: Decimal
    subcomponents: tuple[SubComponent, ...]


@dataclass(frozen=True)
class EvaluationTemplate:
    """One LKE: components with their weights, adding up to 100; each component's
    sub-component weights add up to its weight. Checked when the template is built.
    ``code`` is the regulation's number ("88/2021"), as stored with an evaluation."""

    code: str
    title: str
    components: tuple[Component, ...]
    answer_values: Mapping[str, Decimal] = field(default_factory=lambda: ANSWER_VALUES)

    def __post_init__(self) -> None:
        _check_template(self)

    def keys(self) -> tuple[EntryKey, ...]:
        """Every (component, sub-component) code pair, in LKE order."""
        return tuple(
            (component.code, sub.code)
            for component in self.components
            for sub in component.subcomponents
        )

    def subcomponent(self, key: EntryKey) -> SubComponent:
        for component in self.components:
            for sub in component.subcomponents:
                if (component.code, sub.code) == key:
                    return sub
        raise SakipInputError("unknown_subcomponent", f"{key} is not in {self.code}")


def _check_template(template: EvaluationTemplate) -> None:
    def refuse(message: str) -> NoReturn:
        raise SakipInputError("invalid_template", f"{template.code}: {message}")

    codes = [component.code for component in template.components]
    if len(set(codes)) != len(codes):
        refuse("component codes repeat")
    for component in template.components:
        subs = component.subcomponents
        if len({sub.code for sub in subs}) != len(subs):
            refuse(f"sub-component codes repeat in {component.code}")
        if any(sub.weight <= 0 for sub in subs):
            refuse(f"a sub-component weight of {component.code} is not above zero")
        if sum((sub.weight for sub in subs), Decimal(0)) != component.weight:
            refuse(f"the sub-components of {component.code} do not add up to its weight")
    if sum((component.weight for component in template.components), Decimal(0)) != HUNDRED:
        refuse("the component weights do not add up to 100")
    if any(not 0 <= value <= 1 for value in template.answer_values.values()):
        refuse("an answer value is outside 0..1")


# DOMAIN.md, SAKIP evaluation [P, seen in Pemda LKE templates]: each component splits into
# Pemenuhan / Kualitas / Pemanfaatan at 20 % / 30 % / 50 % of its weight.
SUBCOMPONENT_SHARES: tuple[tuple[str, str, Decimal], ...] = (
    ("pemenuhan", "Pemenuhan", Decimal(20)),
    ("kualitas", "Kualitas", Decimal(30)),
    ("pemanfaatan", "Pemanfaatan", Decimal(50)),
)


def split_component(
    code: str,
    name: str,
    weight: Number,
    shares: tuple[tuple[str, str, Decimal], ...] = SUBCOMPONENT_SHARES,
) -> Component:
    """A component whose sub-components take ``shares`` (percent) of its weight."""
    total = as_decimal(weight, "weight")
    subs = tuple(
        SubComponent(sub_code, sub_name, total * share / HUNDRED)
        for sub_code, sub_name, share in shares
    )
    return Component(code, name, total, subs)


def _fixed(code: str, name: str, weight: str, *subs: tuple[str, str, str]) -> Component:
    """A component whose sub-component weights are written out (the legacy LKE)."""
    parts = tuple(SubComponent(c, n, Decimal(w)) for c, n, w in subs)
    return Component(code, name, Decimal(weight), parts)


# PermenPANRB 88/2021 [R]: Perencanaan Kinerja 30, Pengukuran Kinerja 30, Pelaporan Kinerja
# 15, Evaluasi Akuntabilitas Kinerja Internal 25; split 20/30/50 [P]: 6/9/15, 6/9/15,
# 3/4.5/7.5, 5/7.5/12.5.
TEMPLATE_88_2021 = EvaluationTemplate(
    "88/2021",
    "PermenPANRB 88/2021",
    (
        split_component("perencanaan", "Perencanaan Kinerja", 30),
        split_component("pengukuran", "Pengukuran Kinerja", 30),
        split_component("pelaporan", "Pelaporan Kinerja", 15),
        split_component("evaluasi_internal", "Evaluasi Akuntabilitas Kinerja Internal", 25),
    ),
)

# PermenPANRB 12/2015, kept for history [P]: Perencanaan 30, Pengukuran 25, Pelaporan 15,
# Evaluasi internal 10, Capaian kinerja 20. Its LKE did not split 20/30/50: the first four
# components split Pemenuhan / Kualitas (or Penyajian) / Implementasi (or Pemanfaatan) at
# 20 / 50 / 30 %, Perencanaan once for the Renstra (10) and once for the annual plan (20),
# and Capaian kinerja into output 7.5 and outcome 12.5. These weights are as seen in the
# LKE of existing e-SAKIP systems built on 12/2015 (for example github.com/dwirandyh/e-sakip,
# resources/views/penilaian), not read in the regulation's annex itself.
TEMPLATE_12_2015 = EvaluationTemplate(
    "12/2015",
    "PermenPANRB 12/2015",
    (
        _fixed(
            "perencanaan",
            "Perencanaan Kinerja",
            "30",
            ("renstra_pemenuhan", "Pemenuhan Renstra", "2"),
            ("renstra_kualitas", "Kualitas Renstra", "5"),
            ("renstra_implementasi", "Implementasi Renstra", "3"),
            ("tahunan_pemenuhan", "Pemenuhan Perencanaan Kinerja Tahunan", "4"),
            ("tahunan_kualitas", "Kualitas Perencanaan Kinerja Tahunan", "10"),
            ("tahunan_implementasi", "Implementasi Perencanaan Kinerja Tahunan", "6"),
        ),
        _fixed(
            "pengukuran",
            "Pengukuran Kinerja",
            "25",
            ("pemenuhan", "Pemenuhan Pengukuran", "5"),
            ("kualitas", "Kualitas Pengukuran", "12.5"),
            ("implementasi", "Implementasi Pengukuran", "7.5"),
        ),
        _fixed(
            "pelaporan",
            "Pelaporan Kinerja",
            "15",
            ("pemenuhan", "Pemenuhan Pelaporan", "3"),
            ("penyajian", "Penyajian Informasi Kinerja", "7.5"),
            ("pemanfaatan", "Pemanfaatan Informasi Kinerja", "4.5"),
        ),
        _fixed(
            "evaluasi_internal",
            "Evaluasi Internal",
            "10",
            ("pemenuhan", "Pemenuhan Evaluasi", "2"),
            ("kualitas", "Kualitas Evaluasi", "5"),
            ("pemanfaatan", "Pemanfaatan Evaluasi", "3"),
        ),
        _fixed(
            "capaian_kinerja",
            "Capaian Kinerja",
            "20",
            ("output", "Kinerja yang Dilaporkan (Output)", "7.5"),
            ("outcome", "Kinerja yang Dilaporkan (Outcome)", "12.5"),
        ),
    ),
)

TEMPLATES: Mapping[str, EvaluationTemplate] = MappingProxyType(
    {template.code: template for template in (TEMPLATE_88_2021, TEMPLATE_12_2015)}
)


# --- predicates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """A grade: scores strictly above ``above`` (and up to the next grade's bound) get it;
    ``above`` None is the bottom grade, zero included."""

    code: str
    label: str  # the Indonesian name, as published
    above: Decimal | None


# DOMAIN.md, SAKIP evaluation [R/P]: AA > 90-100 Sangat Memuaskan; A > 80-90 Memuaskan;
# BB > 70-80 Sangat Baik; B > 60-70 Baik; CC > 50-60 Cukup; C > 30-50 Kurang; D 0-30 Sangat
# Kurang. Lower bounds exclusive: 80.00 is BB, 80.01 is A. Best first.
PREDICATES: tuple[Predicate, ...] = (
    Predicate("AA", "Sangat Memuaskan", Decimal(90)),
    Predicate("A", "Memuaskan", Decimal(80)),
    Predicate("BB", "Sangat Baik", Decimal(70)),
    Predicate("B", "Baik", Decimal(60)),
    Predicate("CC", "Cukup", Decimal(50)),
    Predicate("C", "Kurang", Decimal(30)),
    Predicate("D", "Sangat Kurang", None),
)


def predicate_of(score: Number) -> Predicate:
    """The predikat of a total score 0..100, read on the score rounded to 2 decimals
    (DOMAIN.md, SAKIP evaluation [P]): 80.004 shows as 80.00 and is BB; 80.005 is A."""
    value = as_decimal(score, "score")
    if not 0 <= value <= HUNDRED:
        raise ScoreOutOfRange("total_out_of_range", f"a SAKIP score is 0..100, not {value}")
    shown = round2(value)
    for predicate in PREDICATES:
        if predicate.above is None or shown > predicate.above:
            return predicate
    raise AssertionError("the bottom predicate has no bound")  # pragma: no cover


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriteriaAnswers:
    """The answers to the criteria of one sub-component: "Y"/"T" or "A".."E" each."""

    answers: tuple[str, ...]


@dataclass(frozen=True)
class DirectScore:
    """A sub-component score the evaluator types directly, 0..the sub-component's weight."""

    score: Number


SubcomponentEntry = CriteriaAnswers | DirectScore


@dataclass(frozen=True)
class SubcomponentScore:
    """``score`` is 0..weight; ``percent`` = score ÷ weight × 100 (for criteria: the mean
    of their values, as a percentage). None while the sub-component is not scored yet."""

    code: str
    weight: Decimal
    score: Decimal | None
    percent: Decimal | None
    source: Literal["criteria", "direct"] | None


@dataclass(frozen=True)
class ComponentScore:
    """``score`` is the sum of its sub-components' scores; None while one is unscored."""

    code: str
    weight: Decimal
    score: Decimal | None
    subcomponents: tuple[SubcomponentScore, ...]


@dataclass(frozen=True)
class EvaluationResult:
    """``total`` is rounded to 2 decimals and gives ``predicate``; both None while any
    sub-component (listed in ``unscored``) has no entry yet. Component and sub-component
    scores are unrounded: round2 them for display."""

    template: str
    components: tuple[ComponentScore, ...]
    total: Decimal | None
    predicate: Predicate | None
    unscored: tuple[EntryKey, ...]

    @property
    def complete(self) -> bool:
        return not self.unscored


def criterion_value(answer: str, answer_values: Mapping[str, Decimal] = ANSWER_VALUES) -> Decimal:
    """The value 0..1 of one answer ("y" is read as "Y")."""
    value = answer_values.get(answer.strip().upper())
    if value is None:
        raise SakipInputError("unknown_answer", f"{answer!r} is not one of {sorted(answer_values)}")
    return value


def score_evaluation(
    template: EvaluationTemplate, entries: Mapping[EntryKey, SubcomponentEntry]
) -> EvaluationResult:
    """Score an LKE (DOMAIN.md, SAKIP evaluation [P]).

    Each sub-component is scored from its criteria (mean of the answer values × its weight)
    or from a score typed directly (checked against 0..its weight: ScoreOutOfRange). A
    component is the sum of its sub-components, the total the sum of the components,
    rounded to 2 decimals (half up) before the predikat is read. ``entries`` may leave
    sub-components out (a draft): they are listed in ``unscored`` and there is no total.
    """
    for key in entries:
        template.subcomponent(key)  # an entry for a sub-component the LKE does not have
    components = []
    total = Fraction(0)
    unscored: list[EntryKey] = []
    for component in template.components:
        subs = []
        component_total: Fraction | None = Fraction(0)
        for sub in component.subcomponents:
            entry = entries.get((component.code, sub.code))
            if entry is None:
                unscored.append((component.code, sub.code))
                subs.append(SubcomponentScore(sub.code, sub.weight, None, None, None))
                component_total = None
                continue
            exact = _exact_score(sub, entry, template.answer_values)
            source: Literal["criteria", "direct"] = (
                "direct" if isinstance(entry, DirectScore) else "criteria"
            )
            percent = _decimal(exact * 100 / Fraction(sub.weight))
            subs.append(SubcomponentScore(sub.code, sub.weight, _decimal(exact), percent, source))
            if component_total is not None:
                component_total += exact
        score = None if component_total is None else _decimal(component_total)
        components.append(ComponentScore(component.code, component.weight, score, tuple(subs)))
        if component_total is not None:
            total += component_total
    if unscored:
        return EvaluationResult(template.code, tuple(components), None, None, tuple(unscored))
    rounded = _round_half_up(total)
    return EvaluationResult(template.code, tuple(components), rounded, predicate_of(rounded), ())


def _exact_score(
    sub: SubComponent, entry: SubcomponentEntry, answer_values: Mapping[str, Decimal]
) -> Fraction:
    if isinstance(entry, DirectScore):
        score = as_decimal(entry.score, f"score of {sub.code}")
        if not 0 <= score <= sub.weight:
            raise ScoreOutOfRange(
                "subcomponent_score_out_of_range",
                f"{sub.code} is scored 0..{sub.weight}, not {score}",
            )
        return Fraction(score)
    if not entry.answers:
        raise SakipInputError("no_criteria", f"{sub.code} has no criterion answered")
    values = [Fraction(criterion_value(answer, answer_values)) for answer in entry.answers]
    return Fraction(sub.weight) * sum(values, Fraction(0)) / len(values)


def _decimal(value: Fraction) -> Decimal:
    """The fraction as a Decimal: exact when it has a finite decimal form, else 28
    significant digits."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _round_half_up(value: Fraction) -> Decimal:
    """Exactly ``round2`` of the fraction: 2 decimals, half away from zero."""
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(cents) if value >= 0 else -Decimal(cents)).scaleb(-2)


# --- year over year --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearComparison:
    """Two years' totals, each rounded to 2 decimals; ``change`` = current − previous
    (65.45 → 67.53 is +2.08), None in the first year."""

    previous: Decimal | None
    current: Decimal
    change: Decimal | None
    previous_predicate: Predicate | None
    current_predicate: Predicate
    predicate_change: PredicateChange


def compare_years(previous: Number | None, current: Number) -> YearComparison:
    """Change between two years' SAKIP totals and whether the predikat moved."""
    now_predicate, now = predicate_of(current), round2(as_decimal(current, "current score"))
    if previous is None:
        return YearComparison(None, now, None, None, now_predicate, "first_year")
    before_predicate = predicate_of(previous)
    before = round2(as_decimal(previous, "previous score"))
    rank_now, rank_before = PREDICATES.index(now_predicate), PREDICATES.index(before_predicate)
    change: PredicateChange = (
        "unchanged"
        if rank_now == rank_before
        else "improved"
        if rank_now < rank_before  # PREDICATES is best first
        else "declined"
    )
    return YearComparison(before, now, now - before, before_predicate, now_predicate, change)
