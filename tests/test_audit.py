"""The audit chain: `wbs audit verify` finds the first entry that was edited, deleted,
inserted, moved or cut off, when the tampering is done with plain SQL as an intruder
with database access (but without the server secret) would do it."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.exc import OperationalError

from wbs import create_app
from wbs.app_context import database, server_keys
from wbs.audit import (
    VerifyResult,
    entries_for_case,
    entries_text,
    entry_hash,
    recent_entries,
    record,
    verify,
)
from wbs.db import Database
from wbs.settings import Settings

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENTRIES = 300
START = datetime(2026, 3, 2, 8, 0, 0, 123456)
ACTIONS = ("login", "case.viewed", "case.status_changed", "attachment.opened", "note.added")


def fill(app: Flask, count: int = ENTRIES, first: int = 0) -> None:
    """``count`` entries written by the application, as its staff actions write them."""
    key = server_keys(app).audit_chain
    with database(app).session() as session:
        for number in range(first, first + count):
            record(
                session,
                key,
                ACTIONS[number % len(ACTIONS)],
                at=START + timedelta(minutes=number, microseconds=number),
                staff_id=1 + number % 7,
                case_id=None if number % 4 == 0 else 1 + number % 11,
                detail=f"status=triage ref=WBS-2026-{number:06d}",
            )


def sql(app: Flask, *statements: str, **params: object) -> None:
    """Tampering as an intruder does it: plain SQL, one transaction."""
    with database(app).engine.begin() as connection:
        for statement in statements:
            clause = text(statement)
            # Times go in the format each backend stores (the sqlite3 module's own
            # datetime adapter is deprecated).
            times = [
                bindparam(name, type_=DateTime())
                for name, value in params.items()
                if isinstance(value, datetime) and f":{name}" in statement
            ]
            connection.execute(clause.bindparams(*times), params)


def stored_hash(app: Flask, seq: int) -> bytes:
    with database(app).engine.connect() as connection:
        value = connection.execute(
            text("SELECT entry_hash FROM audit_entry WHERE seq = :seq"), {"seq": seq}
        ).scalar_one()
    return bytes(value)


def cli_verify(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def check(app: Flask) -> VerifyResult:
    with database(app).sessions() as session:
        return verify(session, server_keys(app).audit_chain)


def assert_broken_at(app: Flask, seq: int, problem: str) -> None:
    """Both the function and the operator's command name the same first broken entry."""
    result = check(app)
    assert not result.ok
    assert result.first_broken_seq == seq, result
    assert problem in result.problem, result
    assert result.entries == seq - 1, result
    output = cli_verify(app)
    assert output.exit_code == 1, output.output
    first_line, second_line = output.output.splitlines()[:2]
    assert first_line.startswith(f"Audit log BROKEN at entry {seq}: "), output.output
    assert problem in first_line, output.output
    assert second_line == f"Intact before it: {entries_text(seq - 1)}."


# Renumbers entries from :start on by :by, in two steps because both backends check the
# primary key row by row.
SHIFT = (
    "UPDATE audit_entry SET seq = -seq WHERE seq >= :start",
    "UPDATE audit_entry SET seq = -seq + :by WHERE seq < 0",
)
# Without the server secret an intruder can only store some unkeyed digest.
FORGED_HASH = hashlib.sha256(b"forged").digest()
INSERT = (
    "INSERT INTO audit_entry (seq, at, staff_id, action, case_id, detail, prev_hash, "
    "entry_hash) VALUES (:seq, :at, 3, 'case.viewed', NULL, 'status=closed', :prev, :forged)"
)


# --- intact chains ------------------------------------------------------------------------


def test_an_empty_log_is_intact(app: Flask) -> None:
    output = cli_verify(app)
    assert output.exit_code == 0, output.output
    assert output.output.startswith("Audit log intact: 0 entries.")


def test_an_untouched_chain_of_hundreds_of_entries_is_intact(app: Flask) -> None:
    fill(app)
    result = check(app)
    assert result == VerifyResult(True, ENTRIES, None, "", stored_hash(app, ENTRIES))
    output = cli_verify(app)
    assert output.exit_code == 0, output.output
    assert output.output.startswith(f"Audit log intact: {ENTRIES} entries.\n")
    assert f"--anchor {ENTRIES}:{stored_hash(app, ENTRIES).hex()}" in output.output


def test_small_batches_stream_the_same_verdict(app: Flask) -> None:
    fill(app, 50)
    sql(app, "UPDATE audit_entry SET detail = 'status=closed' WHERE seq = 23")
    with database(app).sessions() as session:
        result = verify(session, server_keys(app).audit_chain, batch_size=7)
    assert (result.ok, result.first_broken_seq, result.entries) == (False, 23, 22)


def test_flask_and_wbs_commands_run_the_same_check(
    app: Flask, settings: Settings, tmp_path: Path
) -> None:
    fill(app, 20)
    env = {key: value for key, value in os.environ.items() if not key.startswith("WBS_")}
    env.pop("FLASK_APP", None)
    env.update(
        WBS_INSTANCE_PATH=str(settings.instance_path),
        WBS_DATABASE_URL=settings.database_url,
        WBS_SECRET_KEY=settings.secret_key,
    )
    for command in ([str(BIN / "wbs")], [str(BIN / "flask"), "--app", "wbs"]):
        done = subprocess.run(
            [*command, "audit", "verify"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Audit log intact: 20 entries.")
    sql(app, "UPDATE audit_entry SET action = 'login' WHERE seq = 7")
    done = subprocess.run(
        [str(BIN / "wbs"), "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout.startswith("Audit log BROKEN at entry 7: entry 7 was edited.")


def test_entries_appended_after_a_verify_keep_the_chain_intact(app: Flask) -> None:
    fill(app, 40)
    assert check(app).ok
    fill(app, 40, first=40)
    assert check(app) == VerifyResult(True, 80, None, "", stored_hash(app, 80))


# --- tampering with plain SQL -------------------------------------------------------------


def test_an_edited_detail_is_named(app: Flask) -> None:
    fill(app)
    sql(app, "UPDATE audit_entry SET detail = 'status=closed' WHERE seq = 41")
    assert_broken_at(app, 41, "entry 41 was edited")


def test_an_edited_time_is_named(app: Flask) -> None:
    fill(app)
    sql(app, "UPDATE audit_entry SET at = :at WHERE seq = 41", at=START + timedelta(days=30))
    assert_broken_at(app, 41, "entry 41 was edited")


def test_an_edited_staff_member_is_named(app: Flask) -> None:
    fill(app)
    sql(app, "UPDATE audit_entry SET staff_id = 99 WHERE seq = 41")
    assert_broken_at(app, 41, "entry 41 was edited")


def test_an_edited_first_entry_is_an_edit_not_a_wrong_key(app: Flask) -> None:
    fill(app)
    sql(app, "UPDATE audit_entry SET case_id = 9 WHERE seq = 1")
    assert_broken_at(app, 1, "entry 1 was edited")


def test_an_edit_that_also_rewrites_the_plain_sha256_is_still_caught(app: Flask) -> None:
    """Without the server secret the intruder can only guess at the hash: any unkeyed
    digest he stores is wrong."""
    fill(app)
    sql(
        app,
        "UPDATE audit_entry SET detail = 'x', entry_hash = :forged WHERE seq = 41",
        forged=FORGED_HASH,
    )
    assert_broken_at(app, 41, "entry 41 was edited")


def test_a_deleted_entry_in_the_middle_is_named(app: Flask) -> None:
    fill(app)
    sql(app, "DELETE FROM audit_entry WHERE seq = 41")
    assert_broken_at(app, 41, "entry 41 is missing (deleted)")


def test_several_deleted_entries_are_named_as_a_range(app: Flask) -> None:
    fill(app)
    sql(app, "DELETE FROM audit_entry WHERE seq BETWEEN 41 AND 43")
    assert_broken_at(app, 41, "entries 41 to 43 are missing (deleted)")


def test_a_deleted_entry_hidden_by_renumbering_is_named(app: Flask) -> None:
    fill(app)
    sql(
        app,
        "DELETE FROM audit_entry WHERE seq = 41",
        *SHIFT,
        "UPDATE audit_head SET last_seq = last_seq - 1",
        start=42,
        by=-1,
    )
    assert_broken_at(app, 41, "entry 41 is missing (deleted), and the entries after it")


def test_entries_deleted_at_the_end_are_named(app: Flask) -> None:
    fill(app)
    sql(app, "DELETE FROM audit_entry WHERE seq > :last", last=ENTRIES - 3)
    assert_broken_at(app, ENTRIES - 2, f"entries after {ENTRIES - 3} were cut off")


def test_every_entry_deleted_is_named(app: Flask) -> None:
    fill(app)
    sql(app, "DELETE FROM audit_entry")
    assert_broken_at(app, 1, f"every entry was deleted (the log had {ENTRIES} entries)")


def test_entries_cut_off_with_a_half_edited_head_are_named(app: Flask) -> None:
    fill(app)
    sql(
        app,
        "DELETE FROM audit_entry WHERE seq > :last",
        "UPDATE audit_head SET last_seq = :last",
        last=ENTRIES - 3,
    )
    assert_broken_at(app, ENTRIES - 2, f"entries after {ENTRIES - 3} were cut off")


def test_entries_cut_off_with_a_rewritten_head_are_caught_by_the_anchor(app: Flask) -> None:
    """The head row is not keyed: an intruder who fixes it hides a cut, unless the
    operator kept the anchor line from an earlier run."""
    fill(app)
    before = cli_verify(app)
    anchor = re.search(r"--anchor (\S+)", before.output)
    assert anchor, before.output
    new_last = stored_hash(app, ENTRIES - 3).hex()
    sql(
        app,
        "DELETE FROM audit_entry WHERE seq > :last",
        "UPDATE audit_head SET last_seq = :last, last_hash = :last_hash",
        last=ENTRIES - 3,
        last_hash=bytes.fromhex(new_last),
    )
    assert cli_verify(app).exit_code == 0  # what the chain alone can show
    output = cli_verify(app, "--anchor", anchor.group(1))
    assert output.exit_code == 1
    assert output.output.startswith(
        f"Audit log BROKEN at entry {ENTRIES - 2}: entries after {ENTRIES - 3} were cut off"
    ), output.output


def test_an_anchor_whose_entry_was_rewritten_is_refused(app: Flask) -> None:
    fill(app, 30)
    output = cli_verify(app, "--anchor", f"20:{'ab' * 32}")
    assert output.exit_code == 1
    assert output.output.startswith("Audit log BROKEN at entry 20: entry 20 is not the one")


def test_a_malformed_anchor_is_a_usage_error(app: Flask) -> None:
    output = cli_verify(app, "--anchor", "twenty")
    assert output.exit_code == 2
    assert "SEQ:HASH" in output.output


def test_a_forged_entry_inserted_in_the_middle_is_named(app: Flask) -> None:
    fill(app)
    prev = stored_hash(app, 40)
    sql(
        app,
        *SHIFT,
        INSERT,
        "UPDATE audit_head SET last_seq = last_seq + 1",
        start=41,
        by=1,
        seq=41,
        at=START + timedelta(minutes=40, seconds=30),
        prev=prev,
        forged=FORGED_HASH,
    )
    assert_broken_at(app, 41, "an entry was inserted before 41")


def test_a_forged_entry_appended_at_the_end_is_named(app: Flask) -> None:
    fill(app)
    sql(
        app,
        INSERT,
        seq=ENTRIES + 1,
        at=START + timedelta(days=1),
        prev=stored_hash(app, ENTRIES),
        forged=FORGED_HASH,
    )
    assert_broken_at(app, ENTRIES + 1, f"entry {ENTRIES + 1} was added after the last")


def test_a_forged_entry_hashed_with_the_wrong_key_is_named(app: Flask) -> None:
    """An intruder who builds the HMAC correctly but with a key of his own."""
    fill(app)
    at = START + timedelta(days=1)
    forged = entry_hash(
        b"k" * 32,
        stored_hash(app, ENTRIES),
        seq=ENTRIES + 1,
        at=at,
        staff_id=3,
        action="case.viewed",
        case_id=None,
        detail="status=closed",
    )
    sql(
        app,
        INSERT,
        "UPDATE audit_head SET last_seq = last_seq + 1, last_hash = :forged",
        seq=ENTRIES + 1,
        at=at,
        prev=stored_hash(app, ENTRIES),
        forged=forged,
    )
    assert_broken_at(app, ENTRIES + 1, f"entry {ENTRIES + 1} was edited")


def test_two_neighbours_swapped_are_named(app: Flask) -> None:
    fill(app)
    sql(
        app,
        "UPDATE audit_entry SET seq = -1 WHERE seq = 41",
        "UPDATE audit_entry SET seq = 41 WHERE seq = 42",
        "UPDATE audit_entry SET seq = 42 WHERE seq = -1",
    )
    assert_broken_at(app, 41, "entries 41 and 42 were swapped")


def test_two_distant_entries_swapped_name_the_first(app: Flask) -> None:
    fill(app)
    sql(
        app,
        "UPDATE audit_entry SET seq = -1 WHERE seq = 41",
        "UPDATE audit_entry SET seq = 41 WHERE seq = 120",
        "UPDATE audit_entry SET seq = 120 WHERE seq = -1",
    )
    assert_broken_at(app, 41, "entry 41 was edited or replaced")


def test_a_head_rolled_back_behind_the_entries_is_named(app: Flask) -> None:
    fill(app)
    sql(app, "UPDATE audit_head SET last_seq = 100, last_hash = :hash", hash=stored_hash(app, 100))
    result = check(app)
    assert not result.ok
    assert result.problem == (
        f"the chain head was edited: it names entry 100, but the log goes on to entry {ENTRIES}"
    )
    output = cli_verify(app)
    assert output.exit_code == 1
    assert output.output.startswith("Audit log BROKEN: the chain head was edited")


def test_a_wrong_chain_key_is_told_apart_from_tampering(app: Flask, settings: Settings) -> None:
    fill(app)
    other = create_app(dataclasses.replace(settings, secret_key="another-server-" + "s" * 40))
    try:
        output = cli_verify(other)
        assert output.exit_code == 1
        assert output.output.startswith(
            "Audit log BROKEN at entry 1: the chain key does not match"
        ), output.output
        assert "WBS_SECRET_KEY" in output.output
    finally:
        database(other).dispose()
    # The same log is intact under the right key: nothing was changed.
    assert check(app).ok


# --- concurrent writers -------------------------------------------------------------------


def test_concurrent_appends_from_two_connections_form_one_chain(app: Flask) -> None:
    """Two workers append at once, each on its own connection and transaction per entry:
    the head row lines them up (row lock on PostgreSQL, the write lock on SQLite)."""
    per_writer = 60
    key = server_keys(app).audit_chain
    url = database(app).url
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(db: Database, staff_id: int, number: int) -> None:
        # SQLite may refuse a writer whose snapshot another writer just made stale
        # ("database is locked", SQLITE_BUSY_SNAPSHOT): the whole transaction rolls back
        # and the app answers 503; here the writer simply tries again. The chain must
        # come out unbroken either way, which is what this test is about.
        for attempt in range(20):
            try:
                with db.session() as session:
                    record(
                        session,
                        key,
                        "case.viewed",
                        at=START + timedelta(seconds=number),
                        staff_id=staff_id,
                        detail=f"writer {staff_id} #{number}",
                    )
                return
            except OperationalError as error:
                if not url.startswith("sqlite") or "locked" not in str(error) or attempt == 19:
                    raise

    def writer(staff_id: int) -> None:
        db = Database(url)
        try:
            barrier.wait()
            for number in range(per_writer):
                append(db, staff_id, number)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            db.dispose()

    threads = [threading.Thread(target=writer, args=(staff,)) for staff in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert check(app) == VerifyResult(
        True, 2 * per_writer, None, "", stored_hash(app, 2 * per_writer)
    )
    with database(app).engine.connect() as connection:
        per_staff = dict(
            connection.execute(
                text("SELECT staff_id, count(*) FROM audit_entry GROUP BY staff_id")
            ).all()
        )
    assert per_staff == {1: per_writer, 2: per_writer}
    output = cli_verify(app)
    assert output.output.startswith(f"Audit log intact: {2 * per_writer} entries.")


# --- reading the trail --------------------------------------------------------------------


def test_recent_entries_pages_through_the_whole_log_newest_first(app: Flask) -> None:
    fill(app, 95)
    seen: list[int] = []
    before: int | None = None
    with database(app).sessions() as session:
        while True:
            page = recent_entries(session, before, limit=20)
            seen.extend(entry.seq for entry in page.entries)
            if page.next_before_seq is None:
                break
            before = page.next_before_seq
    assert seen == list(range(95, 0, -1))


def test_entries_for_case_hold_only_that_case_newest_first(app: Flask) -> None:
    fill(app, 120)
    with database(app).sessions() as session:
        first = entries_for_case(session, 5, limit=3)
        rest = entries_for_case(session, 5, before_seq=first.next_before_seq, limit=100)
    entries = [*first.entries, *rest.entries]
    assert {entry.case_id for entry in entries} == {5}
    seqs = [entry.seq for entry in entries]
    assert seqs == sorted(seqs, reverse=True)
    # fill() gives number n (entry n + 1) case 1 + n % 11 unless n % 4 == 0.
    assert seqs == [n + 1 for n in range(119, -1, -1) if n % 4 and 1 + n % 11 == 5]
    assert rest.next_before_seq is None
    assert len(first.entries) == 3


def test_a_page_limit_below_one_is_refused(app: Flask) -> None:
    with database(app).sessions() as session, pytest.raises(ValueError):
        recent_entries(session, None, 0)


def test_the_hash_format_stays_what_existing_logs_were_written_with() -> None:
    """A known answer: a change of field order, time format or JSON spacing would make
    every log already in the field fail `wbs audit verify`."""
    key, prev = b"\x01" * 32, b"\x02" * 32
    at = datetime(2026, 3, 2, 8, 0, 0, 5)
    fields = '[7,"2026-03-02T08:00:00.000005",null,"case.viewed",12,"catatan=\u00e9 \u2028"]'
    expected = hmac.new(key, prev + fields.encode(), hashlib.sha256).digest()
    assert (
        entry_hash(
            key,
            prev,
            seq=7,
            at=at,
            staff_id=None,
            action="case.viewed",
            case_id=12,
            detail="catatan=\u00e9 \u2028",
        )
        == expected
    )
