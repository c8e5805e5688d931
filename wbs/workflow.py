"""The case state machine of DESIGN.md, as data. Plain Python, no Flask.

Routes never assign a status; they ask this module whether a move is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass


class TransitionError(ValueError):
    """The case cannot move from its current state to the one asked for."""


@dataclass(frozen=True)
class State:
    code: str
    # Label shown to staff, in Bahasa Indonesia as DESIGN.md names it.
    label_id: str
    successors: frozenset[str]


STATES: dict[str, State] = {
    state.code: state
    for state in (
        State("received", "Diterima", frozenset({"triage"})),
        State(
            "triage",
            "Penelaahan",
            frozenset({"need_info", "investigation", "forwarded", "rejected"}),
        ),
        State("need_info", "Menunggu Informasi Pelapor", frozenset({"triage", "investigation"})),
        State("investigation", "Pemeriksaan", frozenset({"need_info", "concluded"})),
        State("forwarded", "Dilimpahkan", frozenset({"closed"})),
        State("rejected", "Tidak Dapat Ditindaklanjuti", frozenset({"closed"})),
        State("concluded", "Selesai Diperiksa", frozenset({"follow_up", "closed"})),
        State("follow_up", "Tindak Lanjut", frozenset({"closed"})),
        State("closed", "Ditutup", frozenset({"triage"})),
    )
}

INITIAL = "received"


def can_move(current: str, target: str) -> bool:
    return target in STATES[current].successors


def check_move(current: str, target: str) -> str:
    if current not in STATES or target not in STATES:
        raise TransitionError(f"unknown state: {current!r} or {target!r}")
    if not can_move(current, target):
        raise TransitionError(f"a case in {current!r} cannot move to {target!r}")
    return target
