"""e-Kinerja profiles (issue 7): an admin gives each ASN account its agency, its part
of the performance tree and its atasan (wbs/kinerja/people.py, web/people_views.py);
and `wbs demo` loads ASN accounts with a month of entries (wbs/kinerja/demo.py)."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.kinerja_helpers import audit, text
from tests.sakip_helpers import agency_id, build_tree, staff_account
from tests.staff_helpers import create_officer, csrf_token, english, login, post_form
from wbs.app_context import database
from wbs.installation import InitResult, now_utc
from wbs.kinerja import people
from wbs.kinerja.demo import DEMO_ASN
from wbs.kinerja.entries import local_today
from wbs.kinerja.photo_evidence import read_photo_facts
from wbs.kinerja.photo_store import photo_chunks
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPhoto,
    ActivityPlan,
    Agency,
    AsnProfile,
    PerformanceNode,
    Staff,
)

NIP = "19920425 201903 2 011"
POSITION = "Pengelola Data Imunisasi"


@dataclass(frozen=True)
class World:
    dinkes: int
    disdik: int
    program: int  # a node of DINKES's tree
    disdik_node: int
    maya: int
    rudi: int
    yusuf: int


@pytest.fixture
def world(app: Flask, init_result: InitResult) -> World:
    tree = build_tree(app)
    disdik = agency_id(app, "DISDIK")
    with database(app).session() as session:
        node = PerformanceNode(
            agency_id=disdik, level="program", code="1.01.02", name="Program pendidikan dasar"
        )
        session.add(node)
        session.flush()
        disdik_node = node.id
    return World(
        dinkes=tree["agency"],
        disdik=disdik,
        program=tree["program"],
        disdik_node=disdik_node,
        maya=create_officer(app, init_result, "maya", {"asn"}, display_name="Maya Imunisasi"),
        rudi=create_officer(app, init_result, "rudi", {"asn"}, display_name="Rudi Lapangan"),
        yusuf=create_officer(app, init_result, "yusuf", {"asn"}, display_name="Yusuf Kasi"),
    )


@pytest.fixture
def admin(app: Flask, init_result: InitResult) -> FlaskClient:
    return staff_account(app, init_result, "pengelola", {"admin"})


def selected(response: TestResponse, name: str) -> str | None:
    """The value of the selected option of the select ``name``."""
    page = response.get_data(as_text=True)
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert block, f"no select {name}"
    option = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', block.group(1))
    return option.group(1) if option else None


def options(response: TestResponse, name: str) -> list[str]:
    page = response.get_data(as_text=True)
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'value="([^"]*)"', block.group(1)) if block else []


def profile_form(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "agency": str(world.dinkes),
        "node_agency": str(world.dinkes),
        "node": "0",
        "supervisor": str(world.yusuf),
        "nip": NIP,
        "position": POSITION,
    }
    data.update({key: str(value) for key, value in changes.items()})
    return data


def post_profile(client: FlaskClient, staff_id: int, data: dict[str, object]) -> TestResponse:
    return post_form(client, f"/kinerja/people/{staff_id}", data)


def profile(app: Flask, staff_id: int) -> AsnProfile | None:
    with database(app).session() as session:
        found = session.get(AsnProfile, staff_id)
        if found is not None:
            session.expunge(found)
        return found


def set_profile(app: Flask, staff_id: int, supervisor: int | None, agency: str = "DINKES") -> None:
    with database(app).session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        draft = people.ProfileDraft(agency_id=agency_id(app, agency), supervisor_id=supervisor)
        people.save_profile(session, staff, draft)


def add_entry(app: Flask, staff_id: int, agency: int) -> None:
    day = date(2026, 12, 1)
    with database(app).session() as session:
        session.add(ActivityDay(staff_id=staff_id, day=day, agency_id=agency, updated_at=now_utc()))
        session.add(
            ActivityEntry(
                staff_id=staff_id,
                day=day,
                agency_id=agency,
                activity="Rekap laporan imunisasi",
                quantity=3,
                unit="laporan",
                created_at=now_utc(),
            )
        )


# --- setting up and editing a profile ------------------------------------------------------


def test_an_admin_sets_up_a_profile_choosing_the_agency_then_its_node(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    listing = text(admin.get("/kinerja/people"))
    assert "ASN accounts without a profile: 3" in listing
    assert "Without a profile: cannot record anything" in listing
    assert "No profile: he cannot record anything." in listing

    page = admin.get(f"/kinerja/people/{world.maya}")
    assert page.status_code == 200
    assert "No profile yet: he cannot record any activity" in text(page)
    assert 'name="node"' not in page.get_data(as_text=True)  # no agency chosen yet

    first = profile_form(world, node_agency="", node=world.program)
    response = post_profile(admin, world.maya, first)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/kinerja/people/{world.maya}")
    saved = profile(app, world.maya)
    assert saved is not None
    # The node chosen before the agency's tree was shown is not taken.
    assert (saved.agency_id, saved.node_id, saved.supervisor_id) == (
        world.dinkes,
        None,
        world.yusuf,
    )
    assert saved.nip == "199204252019032011" and saved.position == POSITION
    assert saved.field_officer is False

    page = admin.get(f"/kinerja/people/{world.maya}")
    assert "You can now choose the part of the agency's performance tree" in text(page)
    assert str(world.program) in options(page, "node")
    assert str(world.disdik_node) not in options(page, "node")
    assert selected(page, "agency") == str(world.dinkes)
    assert selected(page, "supervisor") == str(world.yusuf)

    second = profile_form(world, node=world.program, field_officer="y")
    assert post_profile(admin, world.maya, second).status_code == 303
    saved = profile(app, world.maya)
    assert saved is not None and saved.node_id == world.program and saved.field_officer

    assert audit(app) == [
        (
            "kinerja.profile_created",
            f"staff {world.maya} agency {world.dinkes} node - supervisor {world.yusuf}",
        ),
        ("kinerja.profile_updated", f"staff {world.maya} node {world.program} field_officer"),
    ]
    listing = text(admin.get("/kinerja/people"))
    assert "ASN accounts without a profile: 2" in listing
    assert re.search(
        r"Dinas Kesehatan .*Maya Imunisasi maya Pengelola Data Imunisasi 1\.02\.02 .* Yusuf Kasi",
        listing,
    )


def test_a_new_agency_clears_the_node_and_then_offers_its_own_tree(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    assert post_profile(admin, world.maya, profile_form(world, node_agency="")).status_code == 303
    assert post_profile(admin, world.maya, profile_form(world, node=world.program)).status_code
    saved = profile(app, world.maya)
    assert saved is not None and saved.node_id == world.program

    # The node list on the page was DINKES's; the agency becomes DISDIK.
    moved = profile_form(world, agency=world.disdik, node=world.program)
    assert post_profile(admin, world.maya, moved).status_code == 303
    saved = profile(app, world.maya)
    assert saved is not None and (saved.agency_id, saved.node_id) == (world.disdik, None)
    page = admin.get(f"/kinerja/people/{world.maya}")
    assert str(world.disdik_node) in options(page, "node")
    assert str(world.program) not in options(page, "node")


def test_nothing_changed_writes_no_audit_entry(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    post_profile(admin, world.maya, profile_form(world, node_agency=""))
    post_profile(admin, world.maya, profile_form(world))
    assert [action for action, _detail in audit(app)] == ["kinerja.profile_created"]


REFUSALS: dict[str, tuple[dict[str, object], str]] = {
    "agency_missing": ({"agency": 0, "node_agency": ""}, "Choose the agency he works for."),
    "agency_inactive": ({"agency": "disdik"}, "This agency is deactivated"),
    "node_of_another_tree": ({"node": "disdik_node"}, "Choose a part of this agency's"),
    "supervisor_self": ({"supervisor": "maya"}, "Nobody can be his own atasan"),
    "supervisor_disabled": ({"supervisor": "yusuf"}, "This account is disabled"),
    "nip_too_short": ({"nip": "19920425 2019"}, "A NIP has exactly 18 digits"),
    "nip_with_letters": ({"nip": "19920425201903201O"}, "A NIP has exactly 18 digits"),
    "position_too_long": ({"position": "Pengelola " * 21}, "Use at most 200 characters."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_shows_its_message_and_keeps_what_was_typed(
    app: Flask, admin: FlaskClient, world: World, case: str
) -> None:
    changes, message = REFUSALS[case]
    with database(app).session() as session:
        if case == "agency_inactive":
            disdik = session.get(Agency, world.disdik)
            assert disdik is not None
            disdik.active = False
        if case == "supervisor_disabled":
            yusuf = session.get(Staff, world.yusuf)
            assert yusuf is not None
            yusuf.active = False
    named = {"disdik": world.disdik, "disdik_node": world.disdik_node, "maya": world.maya}
    named["yusuf"] = world.yusuf
    data = profile_form(world, **{k: named.get(str(v), v) for k, v in changes.items()})

    response = post_profile(admin, world.maya, data)
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "Please correct the marked fields. Everything you typed has been kept." in page
    raw = response.get_data(as_text=True)
    assert f'value="{html.escape(str(data["nip"]))}"' in raw
    assert f'value="{html.escape(str(data["position"]).strip())}"' in raw
    assert selected(response, "supervisor") == data["supervisor"]
    if data["agency"] != "0":
        assert selected(response, "agency") == data["agency"]
    assert profile(app, world.maya) is None
    assert audit(app) == []


def test_a_circle_of_atasan_is_refused(
    app: Flask, init_result: InitResult, admin: FlaskClient, world: World
) -> None:
    set_profile(app, world.yusuf, supervisor=world.rudi)
    set_profile(app, world.rudi, supervisor=world.maya)
    # Maya above Rudi above Yusuf: Yusuf cannot be Maya's atasan.
    response = post_profile(admin, world.maya, profile_form(world, supervisor=world.yusuf))
    assert response.status_code == 400
    assert "This account is already below him in the line of atasan" in text(response)
    # Nor Rudi (directly below her).
    response = post_profile(admin, world.maya, profile_form(world, supervisor=world.rudi))
    assert response.status_code == 400
    assert profile(app, world.maya) is None
    # Someone outside the line is fine.
    other = create_officer(app, init_result, "kadinkes", {"agency_head"})
    assert post_profile(admin, world.maya, profile_form(world, supervisor=other)).status_code == 303


def test_the_walk_up_the_line_ends_on_a_circle_already_stored(app: Flask, world: World) -> None:
    with database(app).session() as session:
        for staff_id, supervisor in ((world.rudi, world.yusuf), (world.yusuf, world.rudi)):
            session.add(
                AsnProfile(staff_id=staff_id, agency_id=world.dinkes, supervisor_id=supervisor)
            )
        session.flush()
        assert people.supervisor_chain_reaches(session, world.rudi, world.yusuf)
        assert not people.supervisor_chain_reaches(session, world.rudi, world.maya)


# --- removing a profile --------------------------------------------------------------------


def test_a_profile_without_entries_is_removed(app: Flask, admin: FlaskClient, world: World) -> None:
    set_profile(app, world.maya, supervisor=world.yusuf)
    response = post_profile(admin, world.maya, {"action": "remove"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/kinerja/people")
    assert profile(app, world.maya) is None
    assert audit(app) == [("kinerja.profile_removed", f"staff {world.maya}")]
    assert "ASN accounts without a profile: 3" in text(admin.get("/kinerja/people"))


def test_a_profile_with_entries_is_not_removed(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    set_profile(app, world.maya, supervisor=world.yusuf)
    add_entry(app, world.maya, world.dinkes)
    page = admin.get(f"/kinerja/people/{world.maya}")
    assert 'value="remove"' not in page.get_data(as_text=True)
    assert "He has recorded activities (entries: 1)" in text(page)

    response = post_profile(admin, world.maya, {"action": "remove"})
    assert response.status_code == 303
    follow = text(admin.get(response.headers["Location"]))
    assert "Maya Imunisasi has already recorded activities (entries: 1)" in follow
    assert "disable the account" in follow
    assert profile(app, world.maya) is not None
    assert audit(app) == []
    with database(app).session() as session:
        with pytest.raises(people.ProfileInUse):
            people.remove_profile(session, world.maya)


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [{"asn"}, {"sakip"}, {"supervisor"}, {"agency_head"}])
def test_only_admins_reach_the_profiles(
    app: Flask, init_result: InitResult, world: World, roles: set[str]
) -> None:
    client = staff_account(app, init_result, "someone", roles)
    assert client.get("/kinerja/people").status_code == 403
    assert client.get(f"/kinerja/people/{world.maya}").status_code == 403
    token = csrf_token(client, "/admin/account")
    data = {"csrf_token": token, **profile_form(world)}
    assert client.post(f"/kinerja/people/{world.maya}", data=data).status_code == 403
    assert (
        client.post(
            f"/kinerja/people/{world.maya}", data={"csrf_token": token, "action": "remove"}
        ).status_code
        == 403
    )
    assert profile(app, world.maya) is None


def test_without_login_the_profiles_send_to_the_login_page(
    app: Flask, init_result: InitResult, world: World
) -> None:
    response = app.test_client().get("/kinerja/people")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_an_account_without_the_asn_role_has_no_profile_page(
    app: Flask, admin: FlaskClient, world: World, init_result: InitResult
) -> None:
    sakip = create_officer(app, init_result, "dewi", {"sakip"})
    assert admin.get(f"/kinerja/people/{sakip}").status_code == 404
    assert admin.get("/kinerja/people/999999").status_code == 404
    assert "dewi" not in text(admin.get("/kinerja/people"))


# --- the demo data -------------------------------------------------------------------------


def test_wbs_demo_loads_asn_accounts_with_a_month_of_entries(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for asn in DEMO_ASN:
        assert re.search(
            rf"^\s*{asn.username}\s+{re.escape(asn.password)}\s+asn$", result.output, re.M
        )
    today = local_today(now_utc(), "Asia/Jakarta")
    with database(app).session() as session:
        staff = {s.username: s for s in session.scalars(select(Staff))}
        dinkes = session.scalars(select(Agency.id).where(Agency.code == "DINKES")).one()
        profiles = {p.staff_id: p for p in session.scalars(select(AsnProfile))}
        by_name = {asn.username: profiles[staff[asn.username].id] for asn in DEMO_ASN}
        assert {p.agency_id for p in by_name.values()} == {dinkes}
        head = staff["kasi-yankes"].id
        assert by_name["kasi-yankes"].supervisor_id == staff["kadinkes"].id
        assert {by_name[n].supervisor_id for n in by_name if n != "kasi-yankes"} == {head}
        assert [n for n, p in by_name.items() if p.field_officer] == ["pengawas-dinkes"]
        assert all(p.node_id is not None and len(p.nip) == 18 for p in by_name.values())

        plans = session.scalars(select(ActivityPlan)).all()
        assert len(plans) == 4 and {(p.year, p.month) for p in plans} == {(today.year, today.month)}
        days = session.scalars(select(ActivityDay)).all()
        assert days and all(d.day < today and d.day.weekday() < 5 for d in days)
        states = [d.state for d in days]
        assert states.count("returned") == 1 and states.count("submitted") == 1
        assert states.count("approved") == len(days) - 2
        returned = next(d for d in days if d.state == "returned")
        assert returned.staff_id == staff["staf-imunisasi"].id and returned.comment
        assert returned.reviewed_by_id == head
        entries = session.scalars(select(ActivityEntry)).all()
        assert {(e.staff_id, e.day) for e in entries} == {(d.staff_id, d.day) for d in days}

        photo = session.scalars(select(ActivityPhoto)).one()
        entry = session.get(ActivityEntry, photo.entry_id)
        assert entry is not None and entry.staff_id == staff["pengawas-dinkes"].id
        assert next(d for d in days if d.state == "submitted").day == entry.day
        assert photo.taken_at is not None and photo.latitude is not None
        assert photo.flags == "[]"
        data = b"".join(photo_chunks(session, photo.id))
        assert len(data) == photo.size and data[:2] == b"\xff\xd8"
        facts = read_photo_facts(io.BytesIO(data), 40_000_000)
        assert facts.taken_at is not None and facts.taken_at.date() == entry.day
        assert (
            facts.location is not None
            and abs(facts.location[0] - float(entry.latitude or 0)) < 0.001
        )
        counts = {
            table: session.scalar(select(func.count()).select_from(table))
            for table in (Staff, ActivityEntry)
        }

    # Loaded once: a second run adds nothing, and still prints the accounts.
    again = app.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code == 0 and "staf-akreditasi" in again.output
    with database(app).session() as session:
        assert counts == {
            table: session.scalar(select(func.count()).select_from(table))
            for table in (Staff, ActivityEntry)
        }

    # The admin sees them all with a profile and an atasan.
    admin = english(app.test_client())
    login(admin, "admin", "demo-pengelola-sistem-2026")
    listing = text(admin.get("/kinerja/people"))
    assert "without a profile" not in listing and "Nobody: nobody reviews" not in listing
    assert all(asn.name in listing for asn in DEMO_ASN)
