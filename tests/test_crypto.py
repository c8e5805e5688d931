"""Issue 2: "A flipped ciphertext byte, or a blob moved to another case, fails with a clear
error, never garbage." Unit tests of wbs.crypto, wbs.case_crypto and wbs.tracking_code
(plain Python, no Flask), then the same promise seen through the status page.
"""

from __future__ import annotations

import io
import logging
import re
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from stdnum import damm

from tests.conftest import FAST_ARGON2
from tests.helpers import REPORTER_ADDRESS, file_report, hidden_value, open_status
from wbs import case_crypto, crypto
from wbs.app_context import database, server_keys
from wbs.attachments import CHUNK_SIZE, iter_content
from wbs.case_crypto import (
    ATTACHMENT_META,
    CASE_BODY,
    EVENT_NOTE,
    MESSAGE_BODY,
    decrypt_chunk,
    decrypt_json,
    encrypt_chunk,
    encrypt_json,
    open_reporter_wrap,
    open_sealed_key,
    seal_data_key,
    wrap_for_reporter,
)
from wbs.crypto import DataKey, DecryptionError, UnitPrivateKey
from wbs.intake import load_intake_keys
from wbs.models import Attachment, AttachmentChunk, Case, Message
from wbs.reporter_access import open_with_code
from wbs.server_keys import ServerKeys
from wbs.settings import Settings
from wbs.tracking_code import (
    CodeFormatError,
    MistypedCodeError,
    TrackingCode,
    derive_code_keys,
)

CLEAR_MESSAGE = "could not be authenticated: it was altered, cut off, moved from another record"


def flipped(blob: bytes, index: int, mask: int = 0x01) -> bytes:
    changed = bytearray(blob)
    changed[index] ^= mask
    return bytes(changed)


def assert_fails_clearly(open_blob, blob: bytes) -> None:  # noqa: ANN001 - any opener
    with pytest.raises(DecryptionError) as raised:
        open_blob(blob)
    assert CLEAR_MESSAGE in str(raised.value)


def assert_every_byte_guarded(open_blob, blob: bytes) -> None:  # noqa: ANN001 - any opener
    """Flipping any single bit pattern of any byte, or cutting the blob, fails clearly."""
    for index in range(len(blob)):
        for mask in (0x01, 0x80, 0xFF):
            assert_fails_clearly(open_blob, flipped(blob, index, mask))
    for length in (0, 1, len(blob) // 2, len(blob) - 1):
        assert_fails_clearly(open_blob, blob[:length])
    assert_fails_clearly(open_blob, blob + b"\0")


# --- wbs.crypto


def test_symmetric_round_trip_and_fresh_nonce() -> None:
    key = secrets.token_bytes(32)
    aad = crypto.associated_data("wbs/test/v1", 7)
    first = crypto.encrypt(key, b"laporan", aad)
    second = crypto.encrypt(key, b"laporan", aad)
    assert crypto.decrypt(key, first, aad) == b"laporan"
    assert first != second  # a random nonce per blob: equal texts do not show as equal
    assert b"laporan" not in first


def test_symmetric_blob_fails_on_any_change_wrong_key_or_wrong_row() -> None:
    key = secrets.token_bytes(32)
    aad = crypto.associated_data("wbs/test/v1", 7)
    blob = crypto.encrypt(key, b"isi laporan rahasia", aad)
    assert_every_byte_guarded(lambda b: crypto.decrypt(key, b, aad), blob)
    assert_fails_clearly(lambda b: crypto.decrypt(secrets.token_bytes(32), b, aad), blob)
    for other in (
        crypto.associated_data("wbs/test/v1", 8),
        crypto.associated_data("wbs/other/v1", 7),
        crypto.associated_data("wbs/test/v1", 7, 2),
    ):
        assert_fails_clearly(lambda b, aad=other: crypto.decrypt(key, b, aad), blob)


def test_associated_data_fields_cannot_run_into_each_other() -> None:
    assert crypto.associated_data("p", 12, 1) != crypto.associated_data("p", 1, 21)
    assert crypto.associated_data("p", 1, 1, 2, 0) != crypto.associated_data("p", 1, 1, 20)


def test_seal_round_trip_and_every_byte_guarded() -> None:
    unit = UnitPrivateKey.generate()
    aad = crypto.associated_data("wbs/test-seal/v1", 3)
    blob = crypto.seal(unit.public_raw, b"kunci data", "wbs/test-seal/v1", aad)
    assert crypto.unseal(unit, blob, "wbs/test-seal/v1", aad) == b"kunci data"
    assert_every_byte_guarded(lambda b: crypto.unseal(unit, b, "wbs/test-seal/v1", aad), blob)
    # Another unit's key, another purpose label, another row: all refused.
    other_unit = UnitPrivateKey.generate()
    assert_fails_clearly(lambda b: crypto.unseal(other_unit, b, "wbs/test-seal/v1", aad), blob)
    assert_fails_clearly(lambda b: crypto.unseal(unit, b, "wbs/other/v1", aad), blob)
    other_row = crypto.associated_data("wbs/test-seal/v1", 4)
    assert_fails_clearly(lambda b: crypto.unseal(unit, b, "wbs/test-seal/v1", other_row), blob)


def test_sealed_blob_with_a_low_order_ephemeral_key_fails_clearly() -> None:
    """A forged ephemeral public key of small order makes X25519 refuse the exchange; that
    too must be the clear integrity error, not a stray ValueError."""
    unit = UnitPrivateKey.generate()
    aad = crypto.associated_data("wbs/test-seal/v1", 3)
    blob = crypto.seal(unit.public_raw, b"kunci data", "wbs/test-seal/v1", aad)
    forged = blob[:1] + bytes(32) + blob[33:]
    assert_fails_clearly(lambda b: crypto.unseal(unit, b, "wbs/test-seal/v1", aad), forged)


def test_secret_key_types_never_show_their_bytes() -> None:
    data_key = DataKey.generate()
    unit = UnitPrivateKey.generate()
    keys = ServerKeys.from_secret("a-server-secret-that-is-long-enough-0123456789")
    for value, raw in (
        (data_key, data_key.raw),
        (unit, unit.raw),
        (keys, keys.tracking_pepper),
    ):
        for shown in (repr(value), str(value), f"{value}", repr([value])):
            assert raw.hex() not in shown
            assert "secret" in shown
    with pytest.raises(ValueError):
        DataKey(b"short")
    with pytest.raises(ValueError):
        UnitPrivateKey.from_raw(b"short")


def test_server_secret_is_split_into_distinct_purpose_keys() -> None:
    keys = ServerKeys.from_secret("a-server-secret-that-is-long-enough-0123456789")
    purposes = [
        keys.session_signing,
        keys.tracking_pepper,
        keys.submission_receipts,
        keys.ratelimit_addresses,
    ]
    assert len(set(purposes)) == len(purposes)
    assert all(len(key) == 32 for key in purposes)


# --- wbs.case_crypto: every part of a case is bound to its row and purpose


@pytest.fixture(scope="module")
def unit() -> UnitPrivateKey:
    return UnitPrivateKey.generate()


def test_case_key_sealed_to_unit_and_wrapped_for_reporter(unit: UnitPrivateKey) -> None:
    data_key = DataKey.generate()
    sealed = seal_data_key(data_key, 41, 1, unit.public_raw)
    assert open_sealed_key(sealed, 41, 1, unit).raw == data_key.raw
    assert_every_byte_guarded(lambda b: open_sealed_key(b, 41, 1, unit), sealed)
    # Moved to another case, or claimed for another unit key version: refused.
    assert_fails_clearly(lambda b: open_sealed_key(b, 42, 1, unit), sealed)
    assert_fails_clearly(lambda b: open_sealed_key(b, 41, 2, unit), sealed)

    wrap_key = secrets.token_bytes(32)
    wrapped = wrap_for_reporter(data_key, 41, wrap_key)
    assert open_reporter_wrap(wrapped, 41, wrap_key).raw == data_key.raw
    assert_every_byte_guarded(lambda b: open_reporter_wrap(b, 41, wrap_key), wrapped)
    assert_fails_clearly(lambda b: open_reporter_wrap(b, 42, wrap_key), wrapped)
    assert_fails_clearly(lambda b: open_reporter_wrap(b, 41, secrets.token_bytes(32)), wrapped)


@pytest.mark.parametrize("purpose", [CASE_BODY, MESSAGE_BODY, EVENT_NOTE, ATTACHMENT_META])
def test_case_blobs_round_trip_and_stay_in_their_row(purpose: str) -> None:
    data_key = DataKey.generate()
    value = {"description": "Pungutan liar di loket pelayanan", "nominal": 150000}
    blob = encrypt_json(data_key, purpose, 41, value)
    assert decrypt_json(data_key, purpose, 41, blob) == value
    assert_every_byte_guarded(lambda b: decrypt_json(data_key, purpose, 41, b), blob)
    # A blob copied into another case (row id in the AAD) does not open there.
    assert_fails_clearly(lambda b: decrypt_json(data_key, purpose, 42, b), blob)
    # Nor in another column of the same row, nor under another case's key.
    for other in {CASE_BODY, MESSAGE_BODY, EVENT_NOTE, ATTACHMENT_META} - {purpose}:
        assert_fails_clearly(lambda b, other=other: decrypt_json(data_key, other, 41, b), blob)
    assert_fails_clearly(lambda b: decrypt_json(DataKey.generate(), purpose, 41, b), blob)


def _chunks(data_key: DataKey, attachment_id: int, parts: list[bytes]) -> list[bytes]:
    return [
        encrypt_chunk(data_key, attachment_id, index, index == len(parts) - 1, part)
        for index, part in enumerate(parts)
    ]


def _read(data_key: DataKey, attachment_id: int, blobs: list[bytes]) -> bytes:
    """Read the stored chunks as attachments.iter_content does: the last one is final."""
    return b"".join(
        decrypt_chunk(data_key, attachment_id, index, index == len(blobs) - 1, blob)
        for index, blob in enumerate(blobs)
    )


def test_attachment_chunks_round_trip() -> None:
    data_key = DataKey.generate()
    parts = [b"bagian-satu", b"bagian-dua", b"bagian-tiga"]
    assert _read(data_key, 5, _chunks(data_key, 5, parts)) == b"".join(parts)


def test_attachment_chunks_cannot_be_reordered_dropped_cut_or_moved() -> None:
    data_key = DataKey.generate()
    blobs = _chunks(data_key, 5, [b"bagian-satu", b"bagian-dua", b"bagian-tiga"])
    with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
        _read(data_key, 5, [blobs[1], blobs[0], blobs[2]])  # reordered
    with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
        _read(data_key, 5, blobs[:2])  # the last chunk dropped (chunk count lowered)
    with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
        _read(data_key, 5, [blobs[0], blobs[2]])  # a middle chunk dropped
    with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
        _read(data_key, 5, [*blobs, blobs[2]])  # a chunk repeated after the final one
    with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
        _read(data_key, 6, blobs)  # moved to another attachment
    for index, blob in enumerate(blobs):
        for cut in (blob[:-1], blob[: len(blob) // 2]):  # a chunk truncated
            changed = list(blobs)
            changed[index] = cut
            with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
                _read(data_key, 5, changed)
        assert_every_byte_guarded(
            lambda b, index=index: decrypt_chunk(data_key, 5, index, index == 2, b), blob
        )


# --- wbs.tracking_code


def _with_check_digit(body: str) -> str:
    return body + str(damm.calc_check_digit(body))


def _codes() -> list[TrackingCode]:
    # Leading zeros kept; repeated digits; then random codes.
    fixed = [_with_check_digit("0" * 15), _with_check_digit("112233445566778")]
    return [TrackingCode(digits) for digits in fixed] + [TrackingCode.generate() for _ in range(30)]


def test_generated_codes_are_sixteen_ascii_digits_with_a_valid_check_digit() -> None:
    codes = {TrackingCode.generate().digits for _ in range(200)}
    assert len(codes) == 200
    for digits in codes:
        assert len(digits) == 16 and digits.isascii() and digits.isdigit()
        assert TrackingCode(digits).digits == digits


def test_fifteen_random_digits_give_at_least_ten_to_the_fifteen_codes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bounds = []

    def fake_randbelow(bound: int) -> int:
        bounds.append(bound)
        return bound - 1

    monkeypatch.setattr("wbs.tracking_code.secrets.randbelow", fake_randbelow)
    highest = TrackingCode.generate()
    assert bounds == [10**15]
    assert highest.digits.startswith("9" * 15)


def test_check_digit_catches_every_single_digit_typo() -> None:
    for code in _codes():
        digits = code.digits
        for position in range(16):
            for wrong in "0123456789":
                if wrong == digits[position]:
                    continue
                typo = digits[:position] + wrong + digits[position + 1 :]
                with pytest.raises(MistypedCodeError):
                    TrackingCode(typo)


def test_check_digit_catches_every_adjacent_transposition() -> None:
    for code in _codes():
        digits = code.digits
        for position in range(15):
            if digits[position] == digits[position + 1]:
                continue
            swapped = (
                digits[:position] + digits[position : position + 2][::-1] + digits[position + 2 :]
            )
            with pytest.raises(MistypedCodeError):
                TrackingCode(swapped)


def test_every_transposition_of_every_digit_pair_is_caught_at_every_position() -> None:
    """Exhaustive over (position, first digit, second digit): 15 x 90 swaps, each in a
    valid code built for it (the last position swaps with the check digit itself)."""
    for position in range(15):
        covered = set()
        for filler in range(1000):
            body = list(f"{filler:03d}271828182845")
            for first in "0123456789":
                body[min(position, 14)] = first
                for second in "0123456789" if position < 14 else "x":
                    if position < 14:
                        body[position + 1] = second
                    valid = _with_check_digit("".join(body))
                    pair = valid[position : position + 2]
                    if pair[0] == pair[1] or pair in covered:
                        continue
                    covered.add(pair)
                    swapped = valid[:position] + pair[::-1] + valid[position + 2 :]
                    with pytest.raises(MistypedCodeError):
                        TrackingCode(swapped)
            if len(covered) == 90:
                break
        assert len(covered) == 90, position


def test_parse_accepts_spaces_and_dashes_and_refuses_other_text() -> None:
    code = TrackingCode.generate()
    digits = code.digits
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    for typed in (
        digits,
        " ".join(groups),
        "-".join(groups),
        f"  {' - '.join(groups)}\n",
        f"{groups[0]}\t{groups[1]}--{groups[2]} {groups[3]}",
    ):
        assert TrackingCode.parse(typed) == code
    for wrong in (
        "",
        digits[:15],
        digits + "0",
        digits[:15] + "x",
        digits.replace(digits[0], "٣", 1),  # an Arabic-Indic digit is a digit, but not ASCII
        f"{groups[0]}.{groups[1]}.{groups[2]}.{groups[3]}",
    ):
        with pytest.raises(CodeFormatError):
            TrackingCode.parse(wrong)


def test_code_never_shows_its_digits(caplog: pytest.LogCaptureFixture) -> None:
    code = TrackingCode.generate()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("wbs.test").info("code %s %r", code, code)
    for shown in (repr(code), str(code), f"{code}", f"{code!r}", repr([code]), caplog.text):
        assert code.digits not in shown
        assert code.grouped() not in shown
    assert "secret" in repr(code)
    keys = derive_code_keys(code, b"s" * 16, b"p" * 32, FAST_ARGON2)
    assert keys.lookup_id.hex() not in repr(keys) and keys.wrap_key.hex() not in repr(keys)


def test_code_equality_and_grouping() -> None:
    code = TrackingCode.generate()
    assert code == TrackingCode(code.digits) and hash(code) == hash(TrackingCode(code.digits))
    assert code != code.digits  # never equal to the plain string
    assert code.grouped().replace(" ", "") == code.digits
    assert [len(group) for group in code.grouped().split(" ")] == [4, 4, 4, 4]


def test_code_keys_depend_on_code_salt_and_pepper() -> None:
    code, other = TrackingCode.generate(), TrackingCode.generate()
    salt, pepper = b"s" * 16, b"p" * 32
    keys = derive_code_keys(code, salt, pepper, FAST_ARGON2)
    assert keys == derive_code_keys(TrackingCode(code.digits), salt, pepper, FAST_ARGON2)
    assert keys.lookup_id != keys.wrap_key
    for changed in (
        derive_code_keys(other, salt, pepper, FAST_ARGON2),
        derive_code_keys(code, b"t" * 16, pepper, FAST_ARGON2),
        derive_code_keys(code, salt, b"q" * 32, FAST_ARGON2),
    ):
        assert changed.lookup_id != keys.lookup_id and changed.wrap_key != keys.wrap_key


def test_stolen_database_without_the_server_secret_cannot_test_a_guess() -> None:
    """DESIGN.md, "Constructions": the salt and the reporter's key wrap are in the
    database; the pepper is not. Even the right code, without the pepper, opens nothing."""
    code, salt, pepper = TrackingCode.generate(), b"s" * 16, b"p" * 32
    data_key = DataKey.generate()
    wrapped = wrap_for_reporter(
        data_key, 9, derive_code_keys(code, salt, pepper, FAST_ARGON2).wrap_key
    )
    without_pepper = derive_code_keys(code, salt, b"\0" * 32, FAST_ARGON2)
    assert_fails_clearly(lambda b: open_reporter_wrap(b, 9, without_pepper.wrap_key), wrapped)


# --- The same promise seen through the application and its database

INTEGRITY_MESSAGE = "This record could not be opened because its stored data failed an integrity"


def _flip_first_body_byte_after_header(app: Flask) -> None:
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        case.body = flipped(case.body, len(case.body) // 2)


def test_status_page_shows_integrity_error_for_a_tampered_report(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    description = "Bendahara memotong honor kegiatan tanpa dasar aturan yang jelas."
    code = file_report(client, description=description)
    client.set_cookie("lang", "en")
    assert open_status(client, code).status_code == 303
    assert description in client.get("/status/case").get_data(as_text=True)

    _flip_first_body_byte_after_header(app)
    response = client.get("/status/case", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert INTEGRITY_MESSAGE in page
    assert "Traceback" not in page and "DecryptionError" not in page
    assert description[:20] not in page
    # Logged, without naming the case or the reporter.
    assert "stored ciphertext failed authentication" in caplog.text
    assert code not in caplog.text

    api = client.post("/api/v1/reports/status", json={"tracking_code": code})
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "integrity_error"
    assert INTEGRITY_MESSAGE in api.get_json()["error"]["message"]


def test_report_body_moved_to_another_case_does_not_open_there(
    app: Flask, client: FlaskClient
) -> None:
    """Each case has its own data key, and its id is in the associated data."""
    first = "Kepala dinas menerima hadiah dari rekanan pengadaan alat kesehatan."
    second = "Pegawai honorer diminta menyetor sebagian gaji kepada atasannya."
    file_report(client, description=first)
    second_code = file_report(client, description=second)
    with database(app).session() as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        session.execute(update(Case).where(Case.id == cases[1].id).values(body=cases[0].body))
    client.set_cookie("lang", "en")
    open_status(client, second_code)
    response = client.get("/status/case")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert INTEGRITY_MESSAGE in page
    assert first[:20] not in page and second[:20] not in page


def _reply(client: FlaskClient, text: str) -> None:
    page = client.get("/status/case").get_data(as_text=True)
    response = client.post(
        "/status/reply",
        data={"csrf_token": hidden_value(page, "csrf_token"), "message": text},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 303


def test_blobs_swapped_between_rows_of_one_case_do_not_open(
    app: Flask, client: FlaskClient
) -> None:
    """Within one case every blob is under the same data key: only the row id and the
    purpose in the associated data keep a message from showing up in another's place."""
    code = file_report(client)
    client.set_cookie("lang", "en")
    open_status(client, code)
    _reply(client, "Balasan pertama dari pelapor.")
    _reply(client, "Balasan kedua dari pelapor.")
    with database(app).session() as session:
        first, second = session.scalars(select(Message).order_by(Message.id)).all()
        first.body, second.body = second.body, first.body
    response = client.get("/status/case")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert INTEGRITY_MESSAGE in page
    assert "Balasan" not in page

    with database(app).session() as session:
        first, second = session.scalars(select(Message).order_by(Message.id)).all()
        first.body, second.body = second.body, first.body  # put back: the page opens again
    assert client.get("/status/case").status_code == 200
    with database(app).session() as session:
        first = session.scalars(select(Message).order_by(Message.id)).first()
        assert first is not None
        case = session.scalars(select(Case)).one()
        # The same row id in both tables: only the purpose in the AAD tells them apart.
        assert first.id == case.id
        first.body = case.body  # the report body, moved into a message of the same case
    response = client.get("/status/case")
    assert response.status_code == 500
    assert INTEGRITY_MESSAGE in response.get_data(as_text=True)


def test_tampered_key_wrap_gives_the_integrity_error_not_a_wrong_code(
    app: Flask, client: FlaskClient
) -> None:
    code = file_report(client)
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        case.reporter_key = flipped(case.reporter_key, 5)
    client.set_cookie("lang", "en")
    response = open_status(client, code)
    assert response.status_code == 500
    assert INTEGRITY_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("tamper", ["reorder", "drop_last", "truncate", "flip"])
def test_stored_attachment_chunks_are_checked_when_read(
    app: Flask, client: FlaskClient, settings: Settings, tamper: str
) -> None:
    content = bytes(range(256)) * (CHUNK_SIZE * 5 // 2 // 256)  # two and a half chunks
    code = file_report(client, evidence=(io.BytesIO(content), "catatan.txt"))
    db = database(app)
    with db.session() as session:
        keys = load_intake_keys(session, server_keys(app).tracking_pepper, settings.argon2)
        access = open_with_code(session, keys, TrackingCode(code))
        assert access is not None
        attachment = session.scalars(select(Attachment)).one()
        assert attachment.chunk_count == 3
        assert b"".join(iter_content(session, attachment, access.data_key)) == content

        chunks = {
            row.chunk_index: row
            for row in session.scalars(
                select(AttachmentChunk).where(AttachmentChunk.attachment_id == attachment.id)
            )
        }
        if tamper == "reorder":
            chunks[0].data, chunks[1].data = chunks[1].data, chunks[0].data
        elif tamper == "drop_last":
            session.delete(chunks[2])
            attachment.chunk_count = 2
        elif tamper == "truncate":
            chunks[2].data = chunks[2].data[:-7]
        else:
            chunks[1].data = flipped(chunks[1].data, 100)
        session.flush()
        with pytest.raises(DecryptionError, match=CLEAR_MESSAGE):
            b"".join(iter_content(session, attachment, access.data_key))


def test_case_crypto_uses_distinct_purpose_labels() -> None:
    labels = [
        case_crypto.SEAL_CASE_KEY,
        case_crypto.REPORTER_WRAP,
        case_crypto.CASE_BODY,
        case_crypto.MESSAGE_BODY,
        case_crypto.EVENT_NOTE,
        case_crypto.ATTACHMENT_META,
        case_crypto.ATTACHMENT_CHUNK,
    ]
    assert len(set(labels)) == len(labels)
    assert all(label.startswith("wbs/") and label.endswith("/v1") for label in labels)


def test_damaged_first_chunk_gives_the_integrity_page_not_a_broken_download(
    client: FlaskClient,
) -> None:
    code = file_report(client, evidence=(io.BytesIO(b"%PDF-1.4 bukti " * 50), "bukti.pdf"))
    open_status(client, code)
    page = client.get("/status/case").get_data(as_text=True)
    link = re.search(r'href="(/status/attachment/\d+)"', page)
    assert link
    with database(client.application).session() as session:
        blob = session.scalars(select(AttachmentChunk.data)).one()
        damaged = blob[:-1] + bytes([blob[-1] ^ 1])
        session.execute(update(AttachmentChunk).values(data=damaged))
    response = client.get(link.group(1), environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    assert response.status_code == 500
    assert "Content-Disposition" not in response.headers
    assert "bukti" not in response.get_data(as_text=True)
