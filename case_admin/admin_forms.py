"""Forms of the account and reference-data pages (admin, supervisor, every officer's
own conflicts of interest)."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from case_admin.labels import ROLE_LABELS
from wbs.models import ROLES

# Usernames are typed at every login: lower case only, so "Budi" and "budi" cannot be
# two accounts that an officer confuses.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
# Codes travel in the JSON API and the report form (DESIGN.md, "Interfaces").
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# Enough to catch a typo; the mail server has the last word on an address.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class _BlankIsMissing(Field):
    """An empty box is reported once, by InputRequired, not also as "not a number".

    A mixin placed before DateField or IntegerField: its super() is that field."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class DayField(_BlankIsMissing, DateField):
    pass


class WholeNumberField(_BlankIsMissing, IntegerField):
    pass


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes: works without JavaScript, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices() -> list[tuple[str, LazyString]]:
    return [(role, ROLE_LABELS[role]) for role in ROLES]


class StaffDetailsForm(FlaskForm):
    """What an admin may change on an account: display name, email and roles."""

    display_name = StringField(
        _l("Name"), [InputRequired(_l("Enter the person's name.")), Length(max=200)]
    )
    email = StringField(
        _l("Email for notifications"),
        [
            Optional(),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Regexp(EMAIL_PATTERN, message=_l("Enter an email address like nama@example.go.id.")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    roles = CheckboxListField(_l("Roles"), [InputRequired(_l("Choose at least one role."))])
    # Issue 5: the one agency an agency account (agency_staff, agency_head) reaches; 0 is
    # none. The view offers the agencies and checks the choice against the roles.
    agency = SelectField(_l("Agency"), coerce=int, validate_choice=False, default=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set after construction, as wbs/public/forms.py does: plain (value, label) pairs
        # work on every WTForms 3.x.
        self.roles.choices = _role_choices()
        self.agency.choices = [(0, _l("— none (not an agency account) —"))]


class StaffCreateForm(StaffDetailsForm):
    username = StringField(
        _l("Username"),
        [
            InputRequired(_l("Enter a username.")),
            Length(min=2, max=80, message=_l("A username has 2 to 80 characters.")),
            Regexp(
                USERNAME_PATTERN,
                message=_l(
                    "Use lower-case letters, digits, dots, hyphens or underscores, starting "
                    "with a letter or digit."
                ),
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class ConflictForm(FlaskForm):
    agencies = CheckboxListField(_l("Agencies"), coerce=int, validate_choice=False)


def _code_field() -> StringField:
    return StringField(
        _l("Code"),
        [
            InputRequired(_l("Enter a code.")),
            Length(max=40, message=_l("A code has at most 40 characters.")),
            Regexp(
                CODE_PATTERN,
                message=_l("Use letters, digits, dots, hyphens or underscores, without spaces."),
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class AgencyForm(FlaskForm):
    name = StringField(_l("Name"), [InputRequired(_l("Enter the agency's name.")), Length(max=200)])


class AgencyCreateForm(AgencyForm):
    # The code is fixed once created: API clients and the report form send it.
    code = _code_field()


class CategoryForm(FlaskForm):
    name_id = StringField(
        _l("Name in Bahasa Indonesia"), [InputRequired(_l("Enter the name.")), Length(max=200)]
    )
    name_en = StringField(
        _l("Name in English"), [InputRequired(_l("Enter the name.")), Length(max=200)]
    )
    # invalid_value_message is WTForms 3.3; types-WTForms 3.2 does not know it yet.
    sort_order = WholeNumberField(  # type: ignore[call-arg]
        _l("Position in the list"),
        [
            InputRequired(_l("Enter a whole number.")),
            NumberRange(0, 9999, _l("Enter a whole number from 0 to 9999.")),
        ],
        default=0,
        invalid_value_message=_l("Enter a whole number from 0 to 9999."),
    )


class CategoryCreateForm(CategoryForm):
    code = _code_field()


class HolidayForm(FlaskForm):
    # invalid_value_message is WTForms 3.3; types-WTForms 3.2 does not know it yet.
    day = DayField(  # type: ignore[call-arg]
        _l("Day"),
        [InputRequired(_l("Enter a date."))],
        invalid_value_message=_l("Enter a date like 2026-08-17."),
    )
    name = StringField(
        _l("Name"), [InputRequired(_l("Enter the holiday's name.")), Length(max=200)]
    )


class HolidayLoadForm(FlaskForm):
    # invalid_value_message is WTForms 3.3; types-WTForms 3.2 does not know it yet.
    year = WholeNumberField(  # type: ignore[call-arg]
        _l("Year"),
        [
            InputRequired(_l("Enter a year.")),
            NumberRange(1970, 2100, _l("Enter a year from 1970 to 2100.")),
        ],
        invalid_value_message=_l("Enter a year from 1970 to 2100."),
    )
    cuti_bersama = BooleanField(_l("Also the cuti bersama days (check the SKB 3 Menteri)"))
