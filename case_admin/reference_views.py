"""Reference data an admin maintains: agencies (OPD), violation categories and the
holiday table that deadlines in working days skip (DOMAIN.md, "Deadlines").

Nothing is deleted: cases refer to agencies and categories, so an admin deactivates
one instead, and it leaves the public report form (wbs/reference_data.py lists active
rows only) while old cases keep their name.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from case_admin import blueprint
from case_admin.admin_forms import (
    AgencyCreateForm,
    AgencyForm,
    CategoryCreateForm,
    CategoryForm,
    HolidayForm,
    HolidayLoadForm,
)
from wbs.app_context import db_session, settings
from wbs.holiday_calendar import add_holiday, list_holidays, load_national_holidays, remove_holiday
from wbs.models import Agency, Category
from wbs.staff_auth import Officer, record, requires

# --- agencies ------------------------------------------------------------------------


def _code_taken(model: type[Agency] | type[Category], code: str) -> bool:
    # Case-insensitive: "dinkes" beside "DINKES" would only confuse the API's clients.
    query = select(model.id).where(func.lower(model.code) == code.lower())
    return db_session().scalar(query) is not None


def _duplicate_code_text(code: str) -> str:
    return _("The code %(code)s is already used. Codes must be unique.", code=code)


@blueprint.get("/agencies")
@requires("admin")
def agencies(officer: Officer) -> str:
    rows = db_session().scalars(select(Agency).order_by(Agency.active.desc(), Agency.name))
    return render_template("case_admin/agencies.html", agencies=list(rows))


@blueprint.route("/agencies/new", methods=["GET", "POST"])
@requires("admin")
def agency_new(officer: Officer) -> BaseResponse | tuple[str, int]:
    form = AgencyCreateForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if _code_taken(Agency, code):
            # validate() made the errors a list (the stubs say Sequence).
            cast("list[str]", form.code.errors).append(_duplicate_code_text(code))
        else:
            session = db_session()
            agency = Agency(code=code, name=(form.name.data or "").strip(), active=True)
            session.add(agency)
            session.flush()
            record("agency.created", officer.id, detail=f"agency {agency.id} {code}")
            session.commit()
            flash(_("The agency %(name)s has been added.", name=agency.name), "success")
            return redirect(url_for("admin.agencies"))
    status = 400 if form.errors else 200
    return render_template("case_admin/agencies_form.html", form=form, agency=None), status


def _agency(agency_id: int) -> Agency:
    agency = db_session().get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


@blueprint.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@requires("admin")
def agency_edit(officer: Officer, agency_id: int) -> BaseResponse | tuple[str, int]:
    agency = _agency(agency_id)
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        agency.name = (form.name.data or "").strip()
        record("agency.updated", officer.id, detail=f"agency {agency.id} {agency.code}")
        db_session().commit()
        flash(_("The agency %(name)s has been saved.", name=agency.name), "success")
        return redirect(url_for("admin.agencies"))
    status = 400 if form.errors else 200
    return render_template("case_admin/agencies_form.html", form=form, agency=agency), status


@blueprint.post("/agencies/<int:agency_id>/active")
@requires("admin")
def agency_active(officer: Officer, agency_id: int) -> BaseResponse:
    agency = _agency(agency_id)
    agency.active = request.form.get("active") == "1"
    action = "agency.reactivated" if agency.active else "agency.deactivated"
    record(action, officer.id, detail=f"agency {agency.id} {agency.code}")
    db_session().commit()
    if agency.active:
        flash(_("%(name)s is active again.", name=agency.name), "success")
    else:
        flash(
            _("%(name)s is deactivated: reporters can no longer choose it.", name=agency.name),
            "success",
        )
    return redirect(url_for("admin.agencies"))


# --- categories ----------------------------------------------------------------------


@blueprint.get("/categories")
@requires("admin")
def categories(officer: Officer) -> str:
    rows = db_session().scalars(
        select(Category).order_by(Category.active.desc(), Category.sort_order, Category.id)
    )
    return render_template("case_admin/categories.html", categories=list(rows))


def _fill_category(category: Category, form: CategoryForm) -> None:
    category.name_id = (form.name_id.data or "").strip()
    category.name_en = (form.name_en.data or "").strip()
    category.sort_order = form.sort_order.data or 0


@blueprint.route("/categories/new", methods=["GET", "POST"])
@requires("admin")
def category_new(officer: Officer) -> BaseResponse | tuple[str, int]:
    session = db_session()
    last = session.scalar(select(func.max(Category.sort_order))) or 0
    form = CategoryCreateForm(data={"sort_order": last + 1})
    if form.validate_on_submit():
        code = form.code.data or ""
        if _code_taken(Category, code):
            # validate() made the errors a list (the stubs say Sequence).
            cast("list[str]", form.code.errors).append(_duplicate_code_text(code))
        else:
            category = Category(code=code, active=True)
            _fill_category(category, form)
            session.add(category)
            session.flush()
            record("category.created", officer.id, detail=f"category {category.id} {code}")
            session.commit()
            flash(_("The category has been added."), "success")
            return redirect(url_for("admin.categories"))
    status = 400 if form.errors else 200
    return render_template("case_admin/categories_form.html", form=form, category=None), status


def _category(category_id: int) -> Category:
    category = db_session().get(Category, category_id)
    if category is None:
        abort(404)
    return category


@blueprint.route("/categories/<int:category_id>", methods=["GET", "POST"])
@requires("admin")
def category_edit(officer: Officer, category_id: int) -> BaseResponse | tuple[str, int]:
    category = _category(category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        _fill_category(category, form)
        record("category.updated", officer.id, detail=f"category {category.id} {category.code}")
        db_session().commit()
        flash(_("The category has been saved."), "success")
        return redirect(url_for("admin.categories"))
    status = 400 if form.errors else 200
    return render_template("case_admin/categories_form.html", form=form, category=category), status


@blueprint.post("/categories/<int:category_id>/active")
@requires("admin")
def category_active(officer: Officer, category_id: int) -> BaseResponse:
    category = _category(category_id)
    category.active = request.form.get("active") == "1"
    action = "category.reactivated" if category.active else "category.deactivated"
    record(action, officer.id, detail=f"category {category.id} {category.code}")
    db_session().commit()
    if category.active:
        flash(_("The category is active again."), "success")
    else:
        flash(_("The category is deactivated: reporters can no longer choose it."), "success")
    return redirect(url_for("admin.categories"))


# --- holidays ------------------------------------------------------------------------


def _year() -> int:
    value = request.args.get("year", "")
    if value.isdecimal() and 1970 <= int(value) <= 2100:
        return int(value)
    return settings().today().year


def _holidays_page(
    year: int, add_form: HolidayForm | None = None, load_form: HolidayLoadForm | None = None
) -> str:
    return render_template(
        "case_admin/holidays.html",
        year=year,
        rows=list_holidays(db_session(), year),
        add_form=add_form or HolidayForm(formdata=None),
        load_form=load_form or HolidayLoadForm(formdata=None, data={"year": year}),
    )


@blueprint.get("/holidays")
@requires("admin")
def holidays(officer: Officer) -> str:
    return _holidays_page(_year())


@blueprint.post("/holidays/add")
@requires("admin")
def holiday_add(officer: Officer) -> BaseResponse | tuple[str, int]:
    form = HolidayForm()
    if not form.validate_on_submit() or form.day.data is None:
        return _holidays_page(_year(), add_form=form), 400
    day: date = form.day.data
    add_holiday(db_session(), day, form.name.data or "")
    record("holiday.added", officer.id, detail=day.isoformat())
    db_session().commit()
    flash(_("The holiday has been saved."), "success")
    return redirect(url_for("admin.holidays", year=day.year))


@blueprint.post("/holidays/remove")
@requires("admin")
def holiday_remove(officer: Officer) -> BaseResponse:
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)
    if remove_holiday(db_session(), day):
        record("holiday.removed", officer.id, detail=day.isoformat())
        db_session().commit()
        flash(_("The holiday has been removed."), "success")
    return redirect(url_for("admin.holidays", year=day.year))


@blueprint.post("/holidays/load")
@requires("admin")
def holidays_load(officer: Officer) -> BaseResponse | tuple[str, int]:
    form = HolidayLoadForm()
    if not form.validate_on_submit() or form.year.data is None:
        return _holidays_page(_year(), load_form=form), 400
    year: int = form.year.data
    added = load_national_holidays(db_session(), year, cuti_bersama=bool(form.cuti_bersama.data))
    record("holiday.loaded", officer.id, detail=f"year {year} added {added}")
    db_session().commit()
    flash(
        _(
            "%(count)d national holidays of %(year)d added. Dates marked “perkiraan” are "
            "estimates: correct them once the SKB 3 Menteri is out.",
            count=added,
            year=year,
        ),
        "success",
    )
    return redirect(url_for("admin.holidays", year=year))
