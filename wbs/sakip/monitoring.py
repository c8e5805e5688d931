"""Realisation monitoring: plan against realisation of budget and physical progress.

Each month an OPD reports its *realisasi* (what was spent, keuangan, or built, fisik)
against its *rencana* (the plan), both cumulative to date as a percentage of the annual
target. The deviation colours the row (green, yellow, red) and the ratio ranks the OPDs
from fast to slow. Also the ordered stages of procurement (pengadaan). No Flask, no
SQLAlchemy. Rules: /work/shared/DOMAIN.md, "Realisation monitoring".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from wbs.sakip.achievement import HUNDRED, Number, SakipInputError, as_decimal, round2

Colour = Literal["green", "yellow", "red"]
Status = Literal["green", "yellow", "red", "missing"]


@dataclass(frozen=True)
class ColourRule:
    """Where the colours change, in percentage points of deviation (realisasi − rencana).

    DOMAIN.md, Realisation monitoring (default [D], derived from the "kontrak kritis" rule
    for contracts, Perlem LKPP / Permen PUPR [R]): green ≥ −5 points; yellow −5 to −10;
    red below −10, or more than 5 points behind once the plan is at 70 % or more. Exactly:
      green   deviation ≥ −5              (−5.00 is green)
      yellow  −10 ≤ deviation < −5        (−5.01 and −10.00 are yellow)
      red     deviation < −10             (−10.01 is red)
      red     plan ≥ 70 and deviation < −5 (plan 70.00, −5.01 is red; plan 69.99 is yellow)
    The deviation and the plan are read rounded to 2 decimals, as the page shows them.
    """

    green_from: Decimal = Decimal(-5)
    red_below: Decimal = Decimal(-10)
    late_plan_from: Decimal = Decimal(70)
    late_red_below: Decimal = Decimal(-5)

    def colour(self, rencana: Decimal, deviation: Decimal) -> Colour:
        plan, behind = round2(rencana), round2(deviation)
        if behind < self.red_below or (
            plan >= self.late_plan_from and behind < self.late_red_below
        ):
            return "red"
        if behind < self.green_from:
            return "yellow"
        return "green"


DEFAULT_COLOURS = ColourRule()


@dataclass(frozen=True)
class Progress:
    """One OPD (or one month) to date: percentages of the annual target.

    ``deviation`` = realisasi − rencana in percentage points; ``pace`` = realisasi ÷
    rencana (1 on plan, above 1 ahead), the fast/slow ranking value. Without a realisasi
    (or a plan) there is no deviation, no pace, and the status is "missing", never red.
    """

    rencana: Decimal | None
    realisasi: Decimal | None
    deviation: Decimal | None
    pace: Decimal | None
    status: Status


def assess(
    rencana: Number | None, realisasi: Number | None, rule: ColourRule = DEFAULT_COLOURS
) -> Progress:
    """Deviation, pace and colour of a plan and a realisation, both in % (DOMAIN.md,
    Realisation monitoring [P]/[D])."""
    plan = None if rencana is None else as_decimal(rencana, "rencana")
    actual = None if realisasi is None else as_decimal(realisasi, "realisasi")
    if plan is None or actual is None:
        return Progress(plan, actual, None, None, "missing")
    deviation = actual - plan
    return Progress(plan, actual, deviation, pace(plan, actual), rule.colour(plan, deviation))


def pace(rencana: Number, realisasi: Number | None) -> Decimal | None:
    """realisasi ÷ rencana, the fast/slow ranking value [P]; None when nothing was planned
    yet (plan 0: no ratio to rank by) or the realisation is missing."""
    plan = as_decimal(rencana, "rencana")
    if realisasi is None or plan == 0:
        return None
    return as_decimal(realisasi, "realisasi") / plan


def cumulative_percentages(
    monthly: Sequence[Number | None], annual_total: Number | None = None
) -> tuple[Decimal | None, ...]:
    """Cumulative percentage of ``annual_total`` at the end of each month (January first).

    ``annual_total`` defaults to the sum of ``monthly``: the annual target is the sum of the
    monthly targets (DOMAIN.md, Realisation monitoring, TEPRA practice [P]). For the plan
    give the monthly planned amounts alone; for the realisation give the monthly realised
    amounts and the plan's annual total. A month without a value (None: not reported yet)
    has no cumulative figure, nor has any month after it: an unknown month is never
    counted as zero. An annual total of 0 gives no percentages at all.
    """
    if len(monthly) > 12:
        raise SakipInputError("too_many_months", f"{len(monthly)} months in one year")
    amounts = [None if amount is None else as_decimal(amount, "amount") for amount in monthly]
    if annual_total is None:
        if None in amounts:
            raise SakipInputError("incomplete_plan", "every month's plan is needed for the total")
        total = sum((amount for amount in amounts if amount is not None), Decimal(0))
    else:
        total = as_decimal(annual_total, "annual total")
    if total < 0:
        raise SakipInputError("negative_total", f"the annual total is {total}")
    result: list[Decimal | None] = []
    running: Decimal | None = Decimal(0)
    for amount in amounts:
        running = None if running is None or amount is None else running + amount
        result.append(None if running is None or total == 0 else running * HUNDRED / total)
    return tuple(result)


def monthly_progress(
    planned: Sequence[Number],
    realised: Sequence[Number | None],
    rule: ColourRule = DEFAULT_COLOURS,
) -> tuple[Progress, ...]:
    """Month-by-month progress from monthly amounts (rupiah for keuangan, or points of
    physical progress for fisik): both cumulated against the plan's annual total. The
    realisation may stop early (months to date); the later months are "missing"."""
    if len(realised) > len(planned):
        raise SakipInputError("realised_past_plan", "more realised months than planned months")
    plan_total = sum((as_decimal(amount, "amount") for amount in planned), Decimal(0))
    plan = cumulative_percentages(planned)
    padded = [*realised, *([None] * (len(planned) - len(realised)))]
    actual = cumulative_percentages(padded, plan_total)
    return tuple(assess(p, a, rule) for p, a in zip(plan, actual, strict=True))


# --- procurement stages ----------------------------------------------------------------------


def falling_months(cumulative: Mapping[int, Decimal | None]) -> list[tuple[int, int]]:
    """Cumulative progress (physical %, DOMAIN.md "cumulative to date") never goes down:
    each (month, earlier month) where the figure is below the last one entered before
    it. Months without a figure are skipped, not read as zero."""
    falls = []
    last: tuple[int, Decimal] | None = None
    for month in sorted(cumulative):
        value = cumulative[month]
        if value is None:
            continue
        if last is not None and value < last[1]:
            falls.append((month, last[0]))
        else:
            last = (month, value)
    return falls


def month_over_ceiling(spent: Mapping[int, Decimal | None], ceiling: Decimal | None) -> int | None:
    """The first month whose spending to date passes the pagu (an agency cannot spend
    more than its budget: a typing error, or a pagu not yet updated after the APBD-P),
    None when it stays within or there is no pagu."""
    if ceiling is None:
        return None
    total = Decimal(0)
    for month in sorted(spent):
        total += spent[month] or 0
        if total > ceiling:
            return month
    return None


@dataclass(frozen=True)
class ProcurementStage:
    code: str
    label: str  # Indonesian, as procurement officers say it


# DOMAIN.md, Realisation monitoring [P, Perpres 16/2018 on government procurement, as
# amended, first by Perpres 12/2021]: in the order a package goes through them. RUP is the
# Rencana Umum Pengadaan (annual procurement plan); PHO and FHO are the first and final
# hand-over (serah terima). "gagal_ulang" (failed, to be re-tendered) is a side exit of
# the selection, not a step after "selesai".
PROCUREMENT_STAGES: tuple[ProcurementStage, ...] = (
    ProcurementStage("belum_terdaftar", "Belum terdaftar"),
    ProcurementStage("rup", "RUP"),
    ProcurementStage("persiapan", "Persiapan"),
    ProcurementStage("pemilihan", "Pemilihan penyedia"),
    ProcurementStage("kontrak", "Kontrak"),
    ProcurementStage("pelaksanaan", "Pelaksanaan"),
    ProcurementStage("pho", "PHO (serah terima pertama)"),
    ProcurementStage("pemeliharaan", "Pemeliharaan"),
    ProcurementStage("fho", "FHO (serah terima akhir)"),
    ProcurementStage("selesai", "Selesai"),
    ProcurementStage("gagal_ulang", "Gagal/ulang"),
)
PROCUREMENT_STAGE_CODES: tuple[str, ...] = tuple(stage.code for stage in PROCUREMENT_STAGES)


def procurement_stage(code: str) -> ProcurementStage:
    for stage in PROCUREMENT_STAGES:
        if stage.code == code:
            return stage
    raise SakipInputError("unknown_stage", f"{code!r} is not a procurement stage")
