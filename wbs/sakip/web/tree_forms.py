"""What the pages that edit a performance tree (tree_views.py, indicator_views.py,
realisation_views.py) read their forms with: numbers typed the Indonesian way ("6,5",
"1.234,5"; wbs/sakip/numbers_input.py), the row forms of targets and realisations, and
the messages of the problems wbs/sakip/data/editing.py finds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from wbs.sakip.data.editing import Problem
from wbs.sakip.numbers_input import NumberError, parse_number

# What the columns keep (wbs/models/sakip.py): QUANTITY is NUMERIC(20, 4), WEIGHT
# NUMERIC(9, 4). A longer number is refused rather than silently rounded.
QUANTITY_DIGITS = (16, 4)
WEIGHT_DIGITS = (5, 4)

# What each problem found by wbs/sakip/data/editing.py says on its field.
PROBLEM_MESSAGES = {
    "unknown_level": _l("Choose a level."),
    "unknown_polarity": _l("Choose how the indicator is read."),
    "negative_weight": _l("The weight cannot be negative."),
    "code_taken": _l(
        "Another node of this tree already has this code (perhaps a deactivated one)."
    ),
    "parent_not_in_tree": _l("Choose a parent node of this tree."),
    "parent_cycle": _l("A node cannot be placed under itself or under a node below it."),
    "parent_inactive": _l("The parent node is deactivated: reactivate it first."),
    "level_not_below_parent": _l(
        "The level must come after the parent's level (goal, objective, programme, "
        "activity, sub-activity)."
    ),
    "level_not_above_children": _l(
        "The level must come before the levels of the nodes below this one."
    ),
    "active_children": _l(
        "This node still has active nodes below it: deactivate them or move them first."
    ),
    "year_target_required": _l("Enter the target for the whole year."),
    "range_low_missing": _l("A range needs both bounds: enter the lower bound."),
    "range_high_missing": _l("A range needs both bounds: enter the upper bound."),
    "range_reversed": _l("The upper bound must not be below the lower bound."),
}


def number_message(error: NumberError, places: int) -> str:
    """What is wrong with a typed number, in the reader's language."""
    if error.reason == "places":
        return _("Use at most %(places)d decimal places.", places=places)
    if error.reason == "size":
        return _("This number is too large.")
    return _(
        "Not a number. Write for example 6,5 or 1.234,5: a comma before the decimals, "
        "dots between thousands."
    )


def read_number(text: str, digits: tuple[int, int]) -> tuple[Decimal | None, str | None]:
    """A typed number: (value, None), (None, None) when blank, (None, message) when bad."""
    if not text.strip():
        return None, None
    integer_digits, places = digits
    try:
        return parse_number(text, places=places, integer_digits=integer_digits), None
    except NumberError as error:
        return None, number_message(error, places)


def stripped(value: object) -> object:
    """A field filter: typed text without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


class NumberInputField(StringField):
    """A number typed the Indonesian way; ``number`` holds the value after validation."""

    def __init__(
        self,
        label: LazyString | str | None = None,
        validators: list[Any] | None = None,
        *,
        digits: tuple[int, int] = QUANTITY_DIGITS,
        minimum: Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, filters=[stripped], **kwargs)
        self.digits = digits
        self.minimum = minimum
        self.number: Decimal | None = None

    def pre_validate(self, form: object) -> None:
        self.number, message = read_number(self.data or "", self.digits)
        if message:
            raise ValidationError(message)
        if self.minimum is not None and self.number is not None and self.number < self.minimum:
            raise ValidationError(
                _("The number cannot be below %(minimum)s.", minimum=self.minimum)
            )


def weight_field(label: LazyString | str) -> NumberInputField:
    """A node's or an indicator's weight in its parent's roll-up; 1 when all are equal."""
    return NumberInputField(
        label,
        [InputRequired(_l("Enter a weight (1 when all are equal)."))],
        digits=WEIGHT_DIGITS,
        minimum=Decimal(0),
        default="1",
    )


def whole_number_field(label: LazyString | str) -> IntegerField:
    # invalid_value_message is WTForms 3.3; types-WTForms 3.2 does not know it yet.
    return IntegerField(  # type: ignore[call-arg]
        label,
        [Optional(), NumberRange(0, 9999, _l("Enter a whole number from 0 to 9999."))],
        default=0,
        invalid_value_message=_l("Enter a whole number from 0 to 9999."),
    )


# Row forms: one row of inputs per period or per indicator -----------------------------


class RowsForm(FlaskForm):
    """The CSRF token of the row forms; their inputs are read row by row."""


def apply_problems(form: FlaskForm, problems: Iterable[Problem]) -> bool:
    """Put each problem's message on its field; True when there was none."""
    found = False
    for problem in problems:
        form[problem.field].errors.append(PROBLEM_MESSAGES[problem.reason])
        found = True
    return not found


def csrf_refused(form: FlaskForm) -> bool:
    """True when a POST lacks a valid CSRF token (then nothing is read or saved)."""
    return not form.validate_on_submit()


@dataclass
class TypedRow:
    """One row of a row form as typed, with its messages by input name."""

    key: str
    texts: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: object) -> None:
        self.errors.setdefault(name, []).append(str(message))


def typed_row(key: str, stored: dict[str, str]) -> TypedRow:
    """A row as stored (GET) or as typed (POST, inputs named "<name>-<key>"); an input
    the form did not send keeps what is stored."""
    texts = stored
    if request.method == "POST":
        texts = {
            name: request.form.get(f"{name}-{key}", kept).strip() for name, kept in stored.items()
        }
    return TypedRow(key, texts)
