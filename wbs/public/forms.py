"""Forms of the public pages. The API validates reports with the same ReportForm."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from wbs.app_context import settings
from wbs.case_labels import HOW_KNOWN_LABELS
from wbs.intake import HOW_KNOWN, ReportContent

_RUPIAH_NOISE = re.compile(r"[\s.,]|^rp", re.IGNORECASE)


class LocalDateField(DateField):
    """A date field whose parse error is in our catalogue."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter the date as day, month and year.")) from None


def _choice_required(message: LazyString | str) -> Callable[[FlaskForm, Field], None]:
    """A WTForms validator: the field's value is one of its choices."""

    def validator(_form: FlaskForm, field: Field) -> None:
        valid = {str(value) for value, _label in field.choices or []}  # type: ignore[attr-defined]
        if not field.data or field.data not in valid:
            raise ValidationError(message)

    return validator


def _rupiah(text: str) -> int | None:
    cleaned = _RUPIAH_NOISE.sub("", text or "")
    if not cleaned:
        return None
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses, and other
    # scripts' digits, which the API description does not promise.
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 15:
        raise ValueError(text)
    return int(cleaned)


class ReportForm(FlaskForm):
    category = SelectField(
        _l("Kind of violation"),
        validate_choice=False,
        validators=[_choice_required(_l("Choose the kind of violation."))],
    )
    agency = SelectField(
        _l("Agency (OPD) of the person reported"),
        validate_choice=False,
        validators=[_choice_required(_l("Choose the agency."))],
    )
    description = TextAreaField(
        _l("What happened?"),
        validators=[
            InputRequired(_l("Describe what happened.")),
            Length(
                min=20,
                max=20000,
                message=_l("Write between 20 and 20,000 characters about what happened."),
            ),
        ],
        # Counted without the spaces around it: twenty spaces are not a description.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    involved = TextAreaField(
        _l("Who was involved (name and position)"),
        validators=[Optional(), Length(max=2000, message=_l("At most 2,000 characters."))],
    )
    location = StringField(
        _l("Where did it happen?"),
        validators=[Optional(), Length(max=500, message=_l("At most 500 characters."))],
    )
    incident_from = LocalDateField(
        _l("When did it happen? (date, or first day of a period)"), validators=[Optional()]
    )
    incident_until = LocalDateField(
        _l("Last day of the period (leave empty for a single date)"), validators=[Optional()]
    )
    how_known = SelectField(_l("How do you know?"), validate_choice=False, validators=[Optional()])
    estimated_loss = StringField(
        _l("Estimated loss in rupiah (optional)"),
        validators=[Optional(), Length(max=30, message=_l("At most 30 characters."))],
    )
    reporter_name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
    )
    reporter_contact = StringField(
        _l("How we can reach you: telephone or e-mail (optional)"),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
    )
    evidence = MultipleFileField(_l("Evidence files (optional)"))
    submission_token = HiddenField()

    def set_choices(
        self, categories: list[tuple[str, str]], agencies: list[tuple[str, str]]
    ) -> None:
        self.category.choices = [("", _l("Choose…")), *categories]
        self.agency.choices = [("", _l("Choose…")), *agencies]
        self.how_known.choices = [
            ("", _l("Choose…")),
            *((code, HOW_KNOWN_LABELS[code]) for code in HOW_KNOWN),
        ]

    def validate_how_known(self, field: Field) -> None:
        if field.data and field.data not in HOW_KNOWN:
            raise ValidationError(_l("Choose one of the answers."))

    def validate_estimated_loss(self, field: Field) -> None:
        try:
            _rupiah(field.data)
        except ValueError:
            raise ValidationError(
                _l("Write the amount in rupiah using digits only, for example 15000000.")
            ) from None

    def validate_incident_from(self, field: Field) -> None:
        if field.data and field.data > _today():
            raise ValidationError(_l("This date is in the future."))

    def validate_incident_until(self, field: Field) -> None:
        if not field.data:
            return
        if not self.incident_from.data:
            raise ValidationError(_l("Give the first day of the period too."))
        if field.data < self.incident_from.data:
            raise ValidationError(_l("The last day cannot be before the first day."))
        if field.data > _today():
            raise ValidationError(_l("This date is in the future."))

    def content(self) -> ReportContent:
        assert self.description.data is not None  # InputRequired, and called once valid
        return ReportContent(
            category=self.category.data,
            agency=self.agency.data,
            description=self.description.data.strip(),
            involved=(self.involved.data or "").strip(),
            location=(self.location.data or "").strip(),
            incident_from=self.incident_from.data,
            incident_until=self.incident_until.data,
            how_known=self.how_known.data or "",
            estimated_loss=_rupiah(self.estimated_loss.data or ""),
            reporter_name=(self.reporter_name.data or "").strip(),
            reporter_contact=(self.reporter_contact.data or "").strip(),
        )


class StatusForm(FlaskForm):
    tracking_code = StringField(
        _l("Tracking code"), validators=[InputRequired(_l("Enter your 16-digit tracking code."))]
    )


class ReplyForm(FlaskForm):
    message = TextAreaField(
        _l("Your reply"),
        validators=[Optional(), Length(max=20000, message=_l("At most 20,000 characters."))],
    )
    evidence = MultipleFileField(_l("Add evidence files (optional)"))


def _today() -> date:
    return settings().today()
