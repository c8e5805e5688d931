"""e-SAKIP rules (issue 5): capaian, roll-up, cascade codes, LKE score and predikat,
realisation monitoring and the integrity-adjusted score. Pure functions, no database.

Every expected figure is worked out by hand in the comments, never by re-running the
module's own formula. Rules: /work/shared/DOMAIN.md.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from wbs.sakip.achievement import (
    SakipInputError,
    category_of,
    indicator_capaian,
    round2,
)
from wbs.sakip.evaluation import (
    ANSWER_VALUES,
    TEMPLATE_12_2015,
    TEMPLATE_88_2021,
    TEMPLATES,
    Component,
    CriteriaAnswers,
    DirectScore,
    EntryKey,
    EvaluationTemplate,
    ScoreOutOfRange,
    SubComponent,
    SubcomponentEntry,
    compare_years,
    predicate_of,
    score_evaluation,
    split_component,
)
from wbs.sakip.integrity import (
    DEFAULT_FORMULA,
    CaseFindings,
    IntegrityFormula,
    integrity_adjusted,
)
from wbs.sakip.monitoring import (
    PROCUREMENT_STAGE_CODES,
    ColourRule,
    assess,
    cumulative_percentages,
    monthly_progress,
    pace,
    procurement_stage,
)
from wbs.sakip.rollup import (
    ChildCapaian,
    level_of_code,
    parent_code,
    parse_code,
    roll_up,
)

D = Decimal
SAKIP_DIR = Path(__file__).resolve().parent.parent / "wbs" / "sakip"


def test_the_rules_import_neither_flask_nor_sqlalchemy() -> None:
    # Pure modules (preamble): the pages and the database build on them, not the reverse.
    for source in SAKIP_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"flask", "flask_babel", "sqlalchemy"}, source


# --- capaian (DOMAIN.md, Indicator achievement) ---------------------------------------------


def test_higher_is_better_is_realisation_over_target() -> None:
    # 60 / 80 × 100 = 75 → Sedang (66 ≤ 75 < 76)
    result = indicator_capaian("higher", 80, 60)
    assert result.raw == D(75)
    assert result.value == D(75)
    assert result.category is not None and result.category.code == "sedang"
    assert result.reason is None
    # 55 / 50 × 100 = 110: above the target is kept, no cap by default
    assert indicator_capaian("higher", 50, 55).raw == D(110)


def test_lower_is_better_uses_two_minus_the_ratio() -> None:
    # DOMAIN example: target 7 months, realisasi 6.5 → (2 − 6.5/7) × 100 = 750/7 = 107.142857…
    result = indicator_capaian("lower", 7, D("6.5"))
    assert result.raw == D(750) / D(7)
    assert round2(result.raw) == D("107.14")
    assert result.category is not None and result.category.label == "Sangat Tinggi"
    # target 10, realisasi 12 → (2 − 1.2) × 100 = 80 → Tinggi
    worse = indicator_capaian("lower", 10, 12)
    assert worse.raw == D(80)
    assert worse.category is not None and worse.category.code == "tinggi"


def test_lower_is_better_keeps_a_negative_value_above_twice_the_target() -> None:
    # target 4, realisasi 10 → (2 − 2.5) × 100 = −50: kept as computed, and Sangat Rendah
    result = indicator_capaian("lower", 4, 10)
    assert result.raw == D(-50)
    assert result.value == D(-50)
    assert result.category is not None and result.category.code == "sangat_rendah"


@pytest.mark.parametrize(
    ("realisasi", "expected"),
    [
        ("3", "100"),  # on the lower bound
        ("4", "100"),  # inside
        ("5", "100"),  # on the upper bound
        ("6", "80"),  # above: lower-is-better against 5, (2 − 6/5) × 100 = 80
        ("7.5", "50"),  # (2 − 7.5/5) × 100 = 50
        ("5.01", "99.8"),  # just above: (2 − 5.01/5) × 100 = 99.8, no jump at the edge
        ("2.4", "80"),  # below: higher-is-better against 3, 2.4/3 × 100 = 80
        ("1.5", "50"),  # 1.5/3 × 100 = 50
    ],
)
def test_range_target_is_met_inside_and_measured_against_the_bound_outside(
    realisasi: str, expected: str
) -> None:
    assert indicator_capaian("range", (3, 5), D(realisasi)).raw == D(expected)


def test_missing_realisation_is_missing_never_zero() -> None:
    for polarity, target in (("higher", 10), ("lower", 10), ("range", (3, 5))):
        result = indicator_capaian(polarity, target, None)  # type: ignore[arg-type]
        assert (result.raw, result.value, result.category) == (None, None, None)
        assert result.reason == "missing_realisation"
        assert not result.capped


def test_a_target_that_cannot_be_divided_by_gives_no_value_and_a_reason() -> None:
    assert indicator_capaian("higher", 0, 5).reason == "zero_target"
    assert indicator_capaian("lower", 0, 0).reason == "zero_target"  # "zero accidents"
    assert indicator_capaian("higher", None, 5).reason == "missing_target"
    assert indicator_capaian("higher", -2, 5).reason == "negative_target"
    assert indicator_capaian("range", None, 5).reason == "missing_target"
    assert indicator_capaian("range", (None, 5), 5).reason == "missing_target"
    # the target is checked before the realisasi
    assert indicator_capaian("higher", 0, None).reason == "zero_target"
    # a zero lower bound only matters when the realisasi falls below it
    assert indicator_capaian("range", (0, 5), 3).raw == D(100)
    assert indicator_capaian("range", (0, 5), -1).reason == "zero_target"
    assert indicator_capaian("range", (-1, 5), 3).reason == "negative_target"
    assert indicator_capaian("higher", 0, 5).raw is None


def test_the_cap_limits_the_roll_up_value_and_keeps_the_raw_one() -> None:
    # 130 / 100 × 100 = 130
    assert indicator_capaian("higher", 100, 130).value == D(130)  # off by default
    at_120 = indicator_capaian("higher", 100, 130, cap=120)
    assert (at_120.raw, at_120.value, at_120.capped) == (D(130), D(120), True)
    at_100 = indicator_capaian("higher", 100, 130, cap=D(100))
    assert (at_100.raw, at_100.value, at_100.capped) == (D(130), D(100), True)
    under = indicator_capaian("higher", 100, 90, cap=100)
    assert (under.raw, under.value, under.capped) == (D(90), D(90), False)
    # the category describes what was achieved: read on the raw value
    assert at_100.category is not None and at_100.category.code == "sangat_tinggi"


def test_malformed_capaian_inputs_are_refused_with_a_reason() -> None:
    with pytest.raises(TypeError):
        indicator_capaian("higher", 80, 60.5)  # type: ignore[arg-type]  # a float is not exact
    with pytest.raises(TypeError):
        indicator_capaian("higher", True, 60)  # bool is an int, but not a number here
    cases: list[tuple[str, Callable[[], object]]] = [
        ("unknown_polarity", lambda: indicator_capaian("up", 1, 1)),  # type: ignore[arg-type]
        ("reversed_range", lambda: indicator_capaian("range", (5, 3), 4)),
        ("not_a_range", lambda: indicator_capaian("range", 5, 4)),
        ("range_target", lambda: indicator_capaian("higher", (3, 5), 4)),
        ("invalid_cap", lambda: indicator_capaian("higher", 1, 1, cap=0)),
        ("not_finite", lambda: indicator_capaian("higher", D("NaN"), 1)),
    ]
    for reason, call in cases:
        with pytest.raises(SakipInputError) as caught:
            call()
        assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("capaian", "category"),
    [
        ("150", "sangat_tinggi"),
        ("91", "sangat_tinggi"),
        ("90.995", "sangat_tinggi"),  # shows as 91.00
        ("90.994", "tinggi"),  # shows as 90.99
        ("90.99", "tinggi"),
        ("90.5", "tinggi"),
        ("90", "tinggi"),
        ("76", "tinggi"),
        ("75.99", "sedang"),
        ("75.5", "sedang"),
        ("75", "sedang"),
        ("66", "sedang"),
        ("65.99", "rendah"),
        ("65.5", "rendah"),
        ("65", "rendah"),
        ("51", "rendah"),
        ("50.99", "sangat_rendah"),
        ("50.5", "sangat_rendah"),
        ("50", "sangat_rendah"),
        ("0", "sangat_rendah"),
        ("-20", "sangat_rendah"),
    ],
)
def test_category_bands_are_contiguous_and_start_at_the_written_minimum(
    capaian: str, category: str
) -> None:
    assert category_of(D(capaian)).code == category


def test_display_rounding_is_half_up_to_two_decimals() -> None:
    assert round2(D("107.145")) == D("107.15")
    assert round2(D("2.675")) == D("2.68")  # the float 2.675 would round to 2.67
    assert round2(D("-2.005")) == D("-2.01")  # half away from zero
    assert str(round2(D(1))) == "1.00"


# --- roll-up --------------------------------------------------------------------------------


def test_equal_mean_leaves_missing_children_out_and_names_them() -> None:
    # (80 + 100) / 2 = 90 → Tinggi; C has no capaian: not counted, not zero
    children = [
        ChildCapaian("1.01.02.2.01", D(80)),
        ChildCapaian("1.01.02.2.02", D(100)),
        ChildCapaian("1.01.02.2.03", None),
    ]
    result = roll_up(children)
    assert result.value == D(90)
    assert result.method == "equal_mean"
    assert result.counted == 2
    assert result.missing == ("1.01.02.2.03",)
    assert result.category is not None and result.category.code == "tinggi"


def test_weighted_mean_drops_the_weight_of_a_missing_child() -> None:
    # (3 × 80 + 1 × 100) / (3 + 1) = 340 / 4 = 85; C's weight 6 is not in the divisor
    children = [ChildCapaian("A", D(80), 3), ChildCapaian("B", D(100), 1)]
    assert roll_up(children).value == D(85)
    result = roll_up([*children, ChildCapaian("C", None, D(6))])
    assert (result.value, result.method, result.counted, result.missing) == (
        D(85),
        "weighted_mean",
        2,
        ("C",),
    )
    # the same weight on every child is the equal mean: (80 + 100) / 2 = 90
    same = roll_up([ChildCapaian("A", D(80), 1), ChildCapaian("B", D(100), 1)])
    assert (same.value, same.method) == (D(90), "equal_mean")
    # a zero weight counts the child but adds nothing: (0 × 80 + 2 × 100) / 2 = 100
    assert roll_up([ChildCapaian("A", D(80), 0), ChildCapaian("B", D(100), 2)]).value == D(100)


def test_roll_up_uses_each_childs_capped_value() -> None:
    # raw 150 capped at 120, and 60: (120 + 60) / 2 = 90
    capped = indicator_capaian("higher", 100, 150, cap=120)
    plain = indicator_capaian("higher", 100, 60, cap=120)
    result = roll_up([ChildCapaian.of("A", capped), ChildCapaian.of("B", plain)])
    assert result.value == D(90)


def test_roll_up_without_any_value_is_none_with_a_reason() -> None:
    nothing = roll_up([ChildCapaian("A", None), ChildCapaian("B", None)])
    assert (nothing.value, nothing.counted, nothing.missing) == (None, 0, ("A", "B"))
    assert nothing.reason == "no_values"
    assert roll_up([]).reason == "no_children"
    zero = roll_up([ChildCapaian("A", D(80), 0), ChildCapaian("B", None, 5)])
    assert (zero.value, zero.reason, zero.counted) == (None, "zero_weight", 1)


def test_roll_up_refuses_ambiguous_weights() -> None:
    cases = [
        ("mixed_weights", [ChildCapaian("A", D(80), 1), ChildCapaian("B", D(90))]),
        ("negative_weight", [ChildCapaian("A", D(80), -1), ChildCapaian("B", D(90), 2)]),
        ("duplicate_child", [ChildCapaian("A", D(80)), ChildCapaian("A", D(90))]),
    ]
    for reason, children in cases:
        with pytest.raises(SakipInputError) as caught:
            roll_up(children)
        assert caught.value.reason == reason


# --- cascade codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("1.01", "bidang_urusan", None),
        ("1.01.02", "program", "1.01"),
        ("1.01.02.2.01", "kegiatan", "1.01.02"),
        ("1.01.02.2.01.0001", "sub_kegiatan", "1.01.02.2.01"),
        (" 5.02.01 ", "program", "5.02"),  # surrounding spaces ignored
    ],
)
def test_codes_have_a_level_and_a_parent(code: str, level: str, parent: str | None) -> None:
    assert level_of_code(code) == level
    assert parent_code(code) == parent
    assert parse_code(code).text == code.strip()


def test_parent_chain_climbs_the_cascade() -> None:
    code = parse_code("1.01.02.2.01.0001")
    chain = []
    current = code.parent
    while current is not None:
        chain.append(current.text)
        current = current.parent
    assert chain == ["1.01.02.2.01", "1.01.02", "1.01"]


@pytest.mark.parametrize(
    "code",
    [
        "",
        "1",
        "1.1",
        "1.01.2",
        "1.01.02.2",
        "1.01.02.02.01",
        "1.01.02.2.1",
        "1.01.02.2.01.001",
        "1.01.02.2.01.00001",
        "1.01.",
        "a.01",
        "1,01",
        "١.01",  # Arabic-Indic digit one: digits are ASCII only
    ],
)
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(SakipInputError) as caught:
        parse_code(code)
    assert caught.value.reason == "invalid_code"


# --- SAKIP evaluation (DOMAIN.md, SAKIP evaluation) -------------------------------------------


def _weights(template: EvaluationTemplate) -> list[tuple[str, Decimal, list[Decimal]]]:
    return [
        (c.code, c.weight, [sub.weight for sub in c.subcomponents]) for c in template.components
    ]


def test_the_2021_template_has_the_regulation_weights() -> None:
    assert _weights(TEMPLATE_88_2021) == [
        ("perencanaan", D(30), [D(6), D(9), D(15)]),
        ("pengukuran", D(30), [D(6), D(9), D(15)]),
        ("pelaporan", D(15), [D(3), D("4.5"), D("7.5")]),
        ("evaluasi_internal", D(25), [D(5), D("7.5"), D("12.5")]),
    ]
    assert [sub.code for sub in TEMPLATE_88_2021.components[0].subcomponents] == [
        "pemenuhan",
        "kualitas",
        "pemanfaatan",
    ]


def test_the_legacy_2015_template_is_expressed_with_the_same_model() -> None:
    weights = _weights(TEMPLATE_12_2015)
    assert [(code, weight) for code, weight, _ in weights] == [
        ("perencanaan", D(30)),
        ("pengukuran", D(25)),
        ("pelaporan", D(15)),
        ("evaluasi_internal", D(10)),
        ("capaian_kinerja", D(20)),
    ]
    # Renstra 2 + 5 + 3 and annual plan 4 + 10 + 6 = 30; capaian: output 7.5 + outcome 12.5
    assert weights[0][2] == [D(2), D(5), D(3), D(4), D(10), D(6)]
    assert weights[4][2] == [D("7.5"), D("12.5")]
    assert set(TEMPLATES) == {"88/2021", "12/2015"}
    assert TEMPLATE_12_2015.keys()[:2] == (
        ("perencanaan", "renstra_pemenuhan"),
        ("perencanaan", "renstra_kualitas"),
    )


def test_templates_whose_weights_do_not_add_up_are_refused() -> None:
    short = split_component("perencanaan", "Perencanaan Kinerja", 95)
    mismatched = Component("x", "X", D(100), (SubComponent("a", "A", D(60)),))
    for components in ((short,), (mismatched,)):
        with pytest.raises(SakipInputError) as caught:
            EvaluationTemplate("bad", "Bad", components)
        assert caught.value.reason == "invalid_template"


def test_answer_values_are_the_common_lke_scale() -> None:
    assert dict(ANSWER_VALUES) == {
        "Y": D(1), "T": D(0),
        "A": D(1), "B": D("0.75"), "C": D("0.5"), "D": D("0.25"), "E": D(0),
    }  # fmt: skip


def _answers(text: str) -> CriteriaAnswers:
    return CriteriaAnswers(tuple(text))


# A full 2021 LKE, worked by hand: sub-component = weight × mean of its answers.
WORKED_LKE: dict[EntryKey, SubcomponentEntry] = {
    # Perencanaan: 6 × 3/4 = 4.5; 9 × (1 + 0.75 + 0.5)/3 = 6.75; 15 × 0.75 = 11.25 → 22.5
    ("perencanaan", "pemenuhan"): _answers("YYYT"),
    ("perencanaan", "kualitas"): _answers("ABC"),
    ("perencanaan", "pemanfaatan"): _answers("BB"),
    # Pengukuran: 6 × 1 = 6; 9 × (0.5 + 0.5 + 0.25 + 0.75)/4 = 4.5; typed 7.5 → 18
    ("pengukuran", "pemenuhan"): _answers("YY"),
    ("pengukuran", "kualitas"): _answers("CCDB"),
    ("pengukuran", "pemanfaatan"): DirectScore(D("7.5")),
    # Pelaporan: 3 × 2/3 = 2; 4.5 × 0.75 = 3.375; 7.5 × (0.5 + 0.25)/2 = 2.8125 → 8.1875
    ("pelaporan", "pemenuhan"): _answers("YTY"),
    ("pelaporan", "kualitas"): _answers("B"),
    ("pelaporan", "pemanfaatan"): _answers("CD"),
    # Evaluasi internal: 5 × 2/4 = 2.5; 7.5 × (0.75 + 0.5)/2 = 4.6875; 12.5 × 0.5 = 6.25
    # → 13.4375
    ("evaluasi_internal", "pemenuhan"): _answers("YYTT"),
    ("evaluasi_internal", "kualitas"): _answers("BC"),
    ("evaluasi_internal", "pemanfaatan"): _answers("C"),
}


def test_a_worked_lke_rolls_up_to_its_total_and_predicate() -> None:
    result = score_evaluation(TEMPLATE_88_2021, WORKED_LKE)
    assert [c.score for c in result.components] == [
        D("22.5"),
        D(18),
        D("8.1875"),
        D("13.4375"),
    ]
    # 22.5 + 18 + 8.1875 + 13.4375 = 62.125, exactly on the half cent: half up → 62.13
    assert result.total == D("62.13")
    assert result.predicate is not None and result.predicate.code == "B"
    assert result.complete and result.unscored == ()
    kualitas = result.components[0].subcomponents[1]
    assert (kualitas.score, kualitas.percent, kualitas.source) == (D("6.75"), D(75), "criteria")
    typed = result.components[1].subcomponents[2]
    assert (typed.score, typed.percent, typed.source) == (D("7.5"), D(50), "direct")


def test_a_total_made_of_thirds_and_sevenths_rounds_exactly() -> None:
    def yes(count: int, of: int) -> CriteriaAnswers:
        return CriteriaAnswers(("Y",) * count + ("T",) * (of - count))

    entries = {
        ("perencanaan", "pemenuhan"): yes(2, 9),  # 6 × 2/9 = 4/3
        ("perencanaan", "kualitas"): yes(1, 7),  # 9 × 1/7 = 9/7
        ("perencanaan", "pemanfaatan"): yes(5, 7),  # 15 × 5/7 = 75/7
        ("pengukuran", "pemenuhan"): yes(5, 9),  # 6 × 5/9 = 10/3
        ("pengukuran", "kualitas"): yes(1, 2),  # 9 × 1/2 = 4.5
        ("pengukuran", "pemanfaatan"): yes(3, 3),  # 15
        ("pelaporan", "pemenuhan"): yes(7, 9),  # 3 × 7/9 = 7/3
        ("pelaporan", "kualitas"): yes(7, 7),  # 4.5
        ("pelaporan", "pemanfaatan"): yes(4, 8),  # 7.5 × 4/8 = 3.75
        ("evaluasi_internal", "pemenuhan"): yes(3, 5),  # 5 × 3/5 = 3
        ("evaluasi_internal", "kualitas"): yes(6, 8),  # 7.5 × 6/8 = 5.625
        ("evaluasi_internal", "pemanfaatan"): yes(0, 2),  # 0
    }
    # thirds 4/3 + 10/3 + 7/3 = 7; sevenths 9/7 + 75/7 = 12; the rest 4.5 + 15 + 4.5 + 3.75
    # + 3 + 5.625 = 36.375; total 55.375 → 55.38 (28-digit Decimals give 55.37499… → 55.37)
    result = score_evaluation(TEMPLATE_88_2021, entries)
    assert result.total == D("55.38")
    assert result.predicate is not None and result.predicate.code == "CC"


def test_the_legacy_template_scores_the_same_way() -> None:
    # every sub-component typed at half its weight: 100 / 2 = 50.00 → C (50 is not above 50)
    entries = {
        (component.code, sub.code): DirectScore(sub.weight / 2)
        for component in TEMPLATE_12_2015.components
        for sub in component.subcomponents
    }
    result = score_evaluation(TEMPLATE_12_2015, entries)
    assert result.total == D("50.00")
    assert result.predicate is not None and result.predicate.code == "C"
    all_a = {key: _answers("AAA") for key in entries}
    assert score_evaluation(TEMPLATE_12_2015, all_a).total == D("100.00")


def test_a_draft_lke_has_no_total_and_lists_what_is_unscored() -> None:
    draft = dict(WORKED_LKE)
    del draft[("pelaporan", "kualitas")]
    result = score_evaluation(TEMPLATE_88_2021, draft)
    assert (result.total, result.predicate, result.complete) == (None, None, False)
    assert result.unscored == (("pelaporan", "kualitas"),)
    assert [c.score for c in result.components] == [D("22.5"), D(18), None, D("13.4375")]
    assert result.components[2].subcomponents[1].score is None


@pytest.mark.parametrize("score", ["0", "15", "7.25"])
def test_a_typed_sub_component_score_within_its_weight_is_accepted(score: str) -> None:
    entries = dict(WORKED_LKE)
    entries[("perencanaan", "pemanfaatan")] = DirectScore(D(score))
    component = score_evaluation(TEMPLATE_88_2021, entries).components[0]
    assert component.subcomponents[2].score == D(score)


@pytest.mark.parametrize("score", ["-0.01", "15.01", "100"])
def test_a_typed_sub_component_score_outside_its_weight_is_refused(score: str) -> None:
    entries = dict(WORKED_LKE)
    entries[("perencanaan", "pemanfaatan")] = DirectScore(D(score))  # weight 15
    with pytest.raises(ScoreOutOfRange) as caught:
        score_evaluation(TEMPLATE_88_2021, entries)
    assert caught.value.reason == "subcomponent_score_out_of_range"
    assert isinstance(caught.value, ValueError)


def test_bad_lke_entries_are_refused_with_a_reason() -> None:
    cases = [
        ("unknown_answer", {("perencanaan", "kualitas"): _answers("AX")}),
        ("no_criteria", {("perencanaan", "kualitas"): CriteriaAnswers(())}),
        ("unknown_subcomponent", {("perencanaan", "penyajian"): _answers("A")}),
    ]
    for reason, entries in cases:
        with pytest.raises(SakipInputError) as caught:
            score_evaluation(TEMPLATE_88_2021, entries)
        assert caught.value.reason == reason
    # lower-case answers are read as upper-case
    lower = {**WORKED_LKE, ("perencanaan", "kualitas"): _answers("abc")}
    assert score_evaluation(TEMPLATE_88_2021, lower).total == D("62.13")


@pytest.mark.parametrize(
    ("score", "predicate"),
    [
        ("100", "AA"),
        ("90.01", "AA"),
        ("90", "A"),
        ("80.01", "A"),
        ("80", "BB"),
        ("70.01", "BB"),
        ("70", "B"),
        ("60.01", "B"),
        ("60", "CC"),
        ("50.01", "CC"),
        ("50", "C"),
        ("30.01", "C"),
        ("30", "D"),
        ("0", "D"),
        ("80.004", "BB"),  # shows as 80.00
        ("80.005", "A"),  # shows as 80.01
    ],
)
def test_predicate_lower_bounds_are_exclusive(score: str, predicate: str) -> None:
    assert predicate_of(D(score)).code == predicate


def test_predicate_labels() -> None:
    labels = [predicate_of(D(s)).label for s in ("95", "85", "75", "65", "55", "40", "10")]
    assert labels == [
        "Sangat Memuaskan",
        "Memuaskan",
        "Sangat Baik",
        "Baik",
        "Cukup",
        "Kurang",
        "Sangat Kurang",
    ]


@pytest.mark.parametrize("score", ["-0.01", "100.01", "-1", "101"])
def test_scores_outside_zero_to_hundred_have_no_predicate(score: str) -> None:
    with pytest.raises(ScoreOutOfRange) as caught:
        predicate_of(D(score))
    assert caught.value.reason == "total_out_of_range"


def test_year_over_year_comparison() -> None:
    # 67.53 − 65.45 = +2.08, B (Baik) both years
    same = compare_years(D("65.45"), D("67.53"))
    assert same.change == D("2.08")
    assert same.previous_predicate is not None and same.previous_predicate.code == "B"
    assert same.current_predicate.code == "B"
    assert same.predicate_change == "unchanged"
    # 80.01 − 79.99 = +0.02, BB → A
    up = compare_years(D("79.99"), D("80.01"))
    assert (up.change, up.predicate_change) == (D("0.02"), "improved")
    # 59.50 − 61 = −1.50, B → CC
    down = compare_years(61, D("59.5"))
    assert (down.change, down.predicate_change) == (D("-1.50"), "declined")
    # compared as shown: 65.454 → 65.45, 67.526 → 67.53
    assert compare_years(D("65.454"), D("67.526")).change == D("2.08")
    first = compare_years(None, D("67.53"))
    assert (first.change, first.previous, first.predicate_change) == (None, None, "first_year")


# --- realisation monitoring (DOMAIN.md, Realisation monitoring) -------------------------------


@pytest.mark.parametrize(
    ("rencana", "realisasi", "colour"),
    [
        ("50", "60", "green"),  # ahead, +10
        ("50", "50", "green"),  # on plan
        ("50", "45", "green"),  # −5.00
        ("50", "44.99", "yellow"),  # −5.01
        ("50", "40", "yellow"),  # −10.00
        ("50", "39.99", "red"),  # −10.01
        ("70", "65", "green"),  # plan at 70 %, −5.00
        ("70", "64.99", "red"),  # plan at 70 %, −5.01: more than 5 points behind
        ("69.99", "64.98", "yellow"),  # plan below 70 %, −5.01
        ("85", "79", "red"),  # plan 85 %, −6
        ("50", "44.996", "green"),  # −5.004 shows as −5.00
        ("50", "44.995", "yellow"),  # −5.005 shows as −5.01
    ],
)
def test_colour_boundaries(rencana: str, realisasi: str, colour: str) -> None:
    progress = assess(D(rencana), D(realisasi))
    assert progress.status == colour
    assert progress.deviation == D(realisasi) - D(rencana)


def test_missing_realisation_has_no_colour() -> None:
    progress = assess(D(40), None)
    assert (progress.status, progress.deviation, progress.pace) == ("missing", None, None)
    assert assess(None, D(40)).status == "missing"


def test_pace_is_realisation_over_plan() -> None:
    assert pace(50, 40) == D("0.8")  # 40 / 50
    assert pace(50, 60) == D("1.2")  # ahead
    assert pace(0, 10) is None  # nothing planned yet: no ratio
    assert pace(50, None) is None
    assert assess(D(50), D(40)).pace == D("0.8")


def test_a_pemda_may_set_its_own_colour_thresholds() -> None:
    strict = ColourRule(green_from=D(-3), red_below=D(-6))
    assert assess(D(50), D(46), strict).status == "yellow"  # −4
    assert assess(D(50), D(43), strict).status == "red"  # −7


def test_cumulative_percentages_of_the_annual_plan() -> None:
    # monthly plan (million rupiah), total 0 + 50 + 50 + 9 × 100 = 1,000
    plan = [0, 50, 50, 100, 100, 100, 100, 100, 100, 100, 100, 100]
    expected = [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert cumulative_percentages(plan) == tuple(D(p) for p in expected)
    # realisation to date against the plan's total: 0, 30, 70, 140 → 0, 3, 7, 14 %
    assert cumulative_percentages([0, 30, 40, 70], 1000) == (D(0), D(3), D(7), D(14))
    # an unreported month is not zero: it and every later month have no cumulative figure
    assert cumulative_percentages([10, None, 10], 1000) == (D(1), None, None)
    assert cumulative_percentages([0, 0], 0) == (None, None)


def test_cumulative_percentages_refuse_what_cannot_be_a_year() -> None:
    cases: list[tuple[str, Callable[[], object]]] = [
        ("incomplete_plan", lambda: cumulative_percentages([10, None])),
        ("too_many_months", lambda: cumulative_percentages([1] * 13)),
        ("negative_total", lambda: cumulative_percentages([1], -5)),
    ]
    for reason, call in cases:
        with pytest.raises(SakipInputError) as caught:
            call()
        assert caught.value.reason == reason


def test_monthly_progress_to_date() -> None:
    plan = [0, 50, 50, 100, 100, 100, 100, 100, 100, 100, 100, 100]
    realised = [0, 30, 40, 70]
    months = monthly_progress(plan, realised)
    assert len(months) == 12
    # January: plan 0 %, realised 0 % → on plan, no pace (nothing planned)
    assert (months[0].deviation, months[0].pace, months[0].status) == (D(0), None, "green")
    # February 3 − 5 = −2; March 7 − 10 = −3: green
    assert [m.deviation for m in months[1:3]] == [D(-2), D(-3)]
    # April 14 − 20 = −6 → yellow; pace 14 / 20 = 0.7
    assert (months[3].deviation, months[3].pace, months[3].status) == (D(-6), D("0.7"), "yellow")
    assert {m.status for m in months[4:]} == {"missing"}
    with pytest.raises(SakipInputError):
        monthly_progress([100], [50, 50])


def test_procurement_stages_in_order() -> None:
    assert PROCUREMENT_STAGE_CODES == (
        "belum_terdaftar",
        "rup",
        "persiapan",
        "pemilihan",
        "kontrak",
        "pelaksanaan",
        "pho",
        "pemeliharaan",
        "fho",
        "selesai",
        "gagal_ulang",
    )
    assert procurement_stage("pemilihan").label == "Pemilihan penyedia"
    assert procurement_stage("gagal_ulang").label == "Gagal/ulang"
    with pytest.raises(SakipInputError):
        procurement_stage("lelang")


# --- integrity-adjusted score (DOMAIN.md, Integrity link [D]) ---------------------------------


def test_integrity_with_partial_follow_up_and_the_cap() -> None:
    # findings = 2 ringan × 1 + 1 sedang × 3 + 1 berat × 5 = 10
    # per 1,000 staff = 10 × 1000 / 450 = 22.22…; × 2 = 44.44… → min(10, 44.44…) = 10
    # follow-up rate = 3 / 4 = 0.75 → 1 − 0.75 / 2 = 0.625 → penalty 10 × 0.625 = 6.25
    # adjusted = 72.40 − 6.25 = 66.15
    findings = CaseFindings(4, {"ringan": 2, "sedang": 1, "berat": 1}, 3)
    result = integrity_adjusted(D("72.40"), findings, 450)
    assert result.weighted_findings == D(10)
    assert round2(result.findings_per_staff or D(0)) == D("22.22")
    assert result.follow_up_rate == D("0.75")
    assert result.penalty == D("6.25")
    assert result.adjusted_score == D("66.15")
    assert result.official_score == D("72.40")  # never changed


def test_integrity_without_follow_up_below_the_cap() -> None:
    # findings = 1 × 1 + 1 × 3 = 4; per 1,000 = 4 × 1000 / 2000 = 2; × 2 = 4 (< 10)
    # rate 0 / 2 = 0 → × 1 → penalty 4; adjusted 65.45 − 4 = 61.45
    findings = CaseFindings(2, {"ringan": 1, "sedang": 1}, 0)
    result = integrity_adjusted(D("65.45"), findings, 2000)
    assert (result.penalty, result.adjusted_score, result.follow_up_rate) == (
        D(4),
        D("61.45"),
        D(0),
    )


def test_integrity_with_full_follow_up_halves_the_penalty() -> None:
    # as above, but both cases followed up: rate 1 → 1 − 1/2 = 0.5 → penalty 2 → 63.45
    findings = CaseFindings(2, {"ringan": 1, "sedang": 1}, 2)
    result = integrity_adjusted(D("65.45"), findings, 2000)
    assert (result.penalty, result.adjusted_score) == (D(2), D("63.45"))


def test_a_substantiated_case_without_severity_weighs_nothing_but_counts_for_follow_up() -> None:
    # findings = 1 berat × 5 = 5 (two cases not graded); per 1,000 = 5 × 1000 / 1000 = 5
    # × 2 = 10 → min(10, 10) = 10; rate 1 / 3 → 1 − 1/6 = 5/6 → penalty 50/6 = 8.333…
    findings = CaseFindings(3, {"berat": 1}, 1)
    result = integrity_adjusted(D(70), findings, 1000)
    assert round2(result.penalty or D(0)) == D("8.33")
    assert round2(result.adjusted_score or D(0)) == D("61.67")  # 70 − 8.333… = 61.666…


def test_no_substantiated_case_means_no_penalty() -> None:
    result = integrity_adjusted(D("65.45"), CaseFindings(0, {}, 0), 300)
    assert (result.penalty, result.adjusted_score, result.follow_up_rate) == (
        D(0),
        D("65.45"),
        None,
    )


def test_no_staff_count_means_no_adjusted_score() -> None:
    findings = CaseFindings(2, {"ringan": 1, "sedang": 1}, 0)
    for staff in (0, None):
        result = integrity_adjusted(D("65.45"), findings, staff)
        assert (result.penalty, result.adjusted_score) == (None, None)
        assert result.reason == "missing_staff"
        assert result.official_score == D("65.45")


def test_a_pemda_formula_is_applied_and_described() -> None:
    formula = IntegrityFormula(cap=D(20), factor=D(1), per_staff=100)
    # findings = 2 sedang × 3 = 6; per 100 staff = 6 × 100 / 400 = 1.5; × 1 = 1.5 (< 20)
    # rate 1 / 2 → 1 − 0.5 / 2 = 0.75 → penalty 1.125; adjusted 70 − 1.125 = 68.875
    result = integrity_adjusted(70, CaseFindings(2, {"sedang": 2}, 1), 400, formula)
    assert (result.penalty, result.adjusted_score) == (D("1.125"), D("68.875"))
    assert "min(20, findings per 100 staff × 1)" in formula.describe()


def test_the_default_formula_is_described_with_its_numbers() -> None:
    text = DEFAULT_FORMULA.describe()
    assert text.startswith(
        "Integrity-adjusted score = SAKIP score − min(10, findings per 1,000 staff × 2)"
        " × (1 − follow-up rate ÷ 2)."
    )
    assert "(ringan 1, sedang 3, berat 5)" in text
    # a page passes its translated template and its locale's number format
    indonesian = DEFAULT_FORMULA.describe(
        "skor − min(%(cap)s; temuan per %(per_staff)s pegawai × %(factor)s) [%(weights)s]"
        " ÷ %(follow_up_divisor)s",
        number=lambda n: f"{n:,}".replace(",", "."),
    )
    assert (
        indonesian
        == "skor − min(10; temuan per 1.000 pegawai × 2) [ringan 1, sedang 3, berat 5] ÷ 2"
    )


def test_integrity_weights_match_the_statistics_ranking() -> None:
    from wbs.stats_queries import SEVERITY_WEIGHTS

    assert dict(DEFAULT_FORMULA.severity_weights) == dict(SEVERITY_WEIGHTS)


def test_inconsistent_case_counts_are_refused() -> None:
    cases = [
        ("severity_over_count", CaseFindings(1, {"ringan": 2}, 0)),
        ("follow_up_over_count", CaseFindings(1, {"ringan": 1}, 2)),
        ("unknown_severity", CaseFindings(1, {"fatal": 1}, 0)),
        ("negative_count", CaseFindings(-1, {}, 0)),
    ]
    for reason, findings in cases:
        with pytest.raises(SakipInputError) as caught:
            integrity_adjusted(D(70), findings, 100)
        assert caught.value.reason == reason
    with pytest.raises(ScoreOutOfRange):
        integrity_adjusted(D("100.01"), CaseFindings(0, {}, 0), 100)
    with pytest.raises(SakipInputError):
        integrity_adjusted(D(70), CaseFindings(0, {}, 0), -5)
    with pytest.raises(TypeError):
        integrity_adjusted(70.5, CaseFindings(0, {}, 0), 100)  # type: ignore[arg-type]
    with pytest.raises(SakipInputError):
        IntegrityFormula(follow_up_divisor=D("0.5"))  # would turn follow-up into a bonus
