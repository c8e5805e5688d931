"""Putting the problems a service refused typed values with (wbs/kinerja/refusals.py)
on the form that was typed, each phrased by the page that owns the codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import flash
from flask_wtf import FlaskForm

from wbs.kinerja.refusals import FieldProblem


def mark_fields(
    form: FlaskForm, problems: Iterable[FieldProblem], phrase: Callable[[FieldProblem], str]
) -> None:
    """Add each problem's sentence to its field's errors; a problem about no field of
    the form (a profile's account, for example) is flashed instead."""
    for problem in problems:
        message = phrase(problem)
        field = form._fields.get(problem.field)
        if field is None:
            flash(message, "error")
        else:
            # Before validation WTForms holds a field's errors in a tuple.
            field.errors = [*field.errors, message]
