"""`wbs audit ...`: check the audit log's keyed hash chain (DESIGN.md, "Audit").

Output is English (operators). `wbs audit verify` exits 0 when the chain is intact and
1 when it is broken, so a cron job or monitoring check can act on the exit status.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from wbs.app_context import database, server_keys
from wbs.audit import entries_text, verify


def _anchor(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, bytes] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    try:
        parsed = int(seq), bytes.fromhex(digest)
    except ValueError:
        parsed = (0, b"")
    if parsed[0] < 1 or len(parsed[1]) != 32:
        raise click.BadParameter("expected SEQ:HASH as printed by an earlier run")
    return parsed


@click.group("audit")
def audit_group() -> None:
    """The audit log of staff actions and decryptions."""


@audit_group.command("verify")
@click.option(
    "--anchor",
    metavar="SEQ:HASH",
    callback=_anchor,
    help="The last entry printed by an earlier run: fail unless it is still in the log "
    "unchanged (detects entries cut off the end together with the head).",
)
@with_appcontext
def verify_command(anchor: tuple[int, bytes] | None) -> None:
    """Check every entry's hash and link, from the first to the last; exit 1 if broken."""
    with database().sessions() as session:
        result = verify(session, server_keys().audit_chain, anchor=anchor)
    if result.ok:
        click.echo(f"Audit log intact: {entries_text(result.entries)}.")
        if result.last_hash is not None:
            # The head row is not keyed: whoever can write the database can cut entries
            # off the end and fix the head. An anchor kept elsewhere catches that.
            click.echo(
                "Keep this line outside the server; passing it later proves nothing up to "
                f"here was cut off: --anchor {result.entries}:{result.last_hash.hex()}"
            )
        return
    if result.first_broken_seq is None:
        click.echo(f"Audit log BROKEN: {result.problem}.")
    else:
        click.echo(f"Audit log BROKEN at entry {result.first_broken_seq}: {result.problem}.")
        click.echo(f"Intact before it: {entries_text(result.entries)}.")
    click.get_current_context().exit(1)
