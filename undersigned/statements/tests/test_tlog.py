from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from undersigned.lib.tlog import countlog, merkle, note, tiles
from undersigned.lib.tlog.checkpoint import open_checkpoint
from undersigned.statements import services, tlog
from undersigned.statements import witnesses as log_witnesses
from undersigned.statements.models import LogCheckpoint, LogLeaf, Signature, Statement, Witness
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(seconds=61)


def sign(statement: Statement, i: int, *, confirm: bool = True, **extra: Any) -> Signature:
    signature, _message = Signature.sign(
        statement,
        language="en",
        name=f"Canary Person{i:04d}",
        email=f"canary{i:04d}@example.org",
        country="UA",
        **extra,
    )
    assert signature is not None
    if confirm:
        signature.confirm()
    return signature


def entries(statement: Statement) -> list[bytes]:
    rows = LogLeaf.objects.filter(statement=statement).order_by("index")
    return [bytes(e) for e in rows.values_list("entry", flat=True)]


def test_confirmed_signatures_become_counted_leaves_once() -> None:
    statement = make_statement()
    for i in range(5):
        sign(statement, i)
    sign(statement, 99, confirm=False)
    assert tlog.append_leaves(statement) == 5
    assert tlog.append_leaves(statement) == 0
    tally = countlog.recount(entries(statement), statement.slug)
    assert tally.count == 5 == statement.counts()["counted"]


def test_withdrawal_invalidation_and_its_undo_are_logged_and_recounted() -> None:
    statement = make_statement()
    signatures = [sign(statement, i) for i in range(8)]
    tlog.append_leaves(statement)
    signatures[0].withdraw()
    since = Signature.objects.get(pk=signatures[5].pk).created_at
    result = services.invalidate(statement, criteria=services.Criteria(since=since), reason="bots")
    tlog.append_leaves(statement)
    events = [countlog.Event.parse(e).event for e in entries(statement)]
    assert events[8:] == ["withdrawn", "invalidated", "invalidated", "invalidated"]
    assert countlog.recount(entries(statement), statement.slug).count == 4
    assert result.batch is not None
    services.undo_invalidation(result.batch)
    tlog.append_leaves(statement)
    assert [countlog.Event.parse(e).event for e in entries(statement)][12:] == ["released"] * 3
    assert countlog.recount(entries(statement), statement.slug).count == 7
    assert statement.counts()["counted"] == 7


def test_a_quarantined_signature_counts_in_the_log_once_released() -> None:
    statement = make_statement()
    held = sign(statement, 1, quarantined=True, quarantine_reasons="burst")
    assert tlog.append_leaves(statement) == 0
    Signature.objects.get(pk=held.pk).release()
    assert tlog.append_leaves(statement) == 1
    assert countlog.Event.parse(entries(statement)[0]).event == "released"


def test_the_commitment_is_the_hash_of_the_receipt_secret_and_nothing_personal() -> None:
    statement = make_statement()
    signature = sign(statement, 7)
    tlog.append_leaves(statement)
    entry = entries(statement)[0]
    secret = tlog.receipt_secret(statement.pk, signature.pk)
    assert countlog.Event.parse(entry).commitment == countlog.commitment(secret)
    for personal in (b"canary0007", b"Person0007", b"UA", b"example.org"):
        assert personal not in entry


def test_a_checkpoint_is_signed_when_the_log_grew_at_most_every_interval() -> None:
    statement = make_statement()
    for i in range(3):
        sign(statement, i)
    now = timezone.now()
    tlog.append_leaves(statement, now)
    first = tlog.make_checkpoint(statement, now)
    assert first is not None and first.size == 3 and first.count == 3
    sign(statement, 3)
    tlog.append_leaves(statement, now)
    assert tlog.make_checkpoint(statement, now + dt.timedelta(seconds=10)) is None
    second = tlog.make_checkpoint(statement, now + LATER)
    assert second is not None and second.size == 4
    assert tlog.make_checkpoint(statement, now + 2 * LATER) is None  # did not grow
    opened = open_checkpoint(second.note, tlog.signer(statement).verifier, tlog.origin(statement))
    assert opened.checkpoint.root == merkle.LeafList(tlog.leaf_hashes(statement)).root()


def test_tiles_are_served_only_within_the_latest_checkpoint() -> None:
    statement = make_statement()
    for i in range(3):
        sign(statement, i)
    tlog.tick()
    assert tlog.tile(statement, "tile/entries/000.p/3") == tiles.encode_bundle(entries(statement))
    assert tlog.tile(statement, "tile/0/000.p/3") == b"".join(tlog.leaf_hashes(statement))
    with pytest.raises(tlog.LogError):
        tlog.tile(statement, "tile/0/000.p/4")
    with pytest.raises(tlog.LogError):
        tlog.tile(statement, "tile/0/000")
    with pytest.raises(tlog.LogError):
        tlog.tile(statement, "tile/0/../../etc")


def test_a_registered_witness_cosignature_is_published_with_the_checkpoint() -> None:
    statement = make_statement()
    sign(statement, 1)
    tlog.tick()
    checkpoint = LogCheckpoint.objects.get(statement=statement)
    witness = note.Signer.generate("ngo.example/witness", note.COSIGNATURE_V1)
    Witness.objects.create(vkey=witness.verifier.vkey, public_name="NGO")
    text = checkpoint.note.split("\n\n")[0] + "\n"
    line = witness.signature_line(text.encode(), timestamp=1_764_000_000)
    log_witnesses.add_cosignature(statement, checkpoint.size, line)
    log_witnesses.add_cosignature(statement, checkpoint.size, line)  # idempotent
    checkpoint.refresh_from_db()
    opened = note.open_note(checkpoint.note, [witness.verifier])
    assert opened.verified[witness.verifier] == 1_764_000_000
    assert checkpoint.note.count("ngo.example/witness") == 1


def test_an_unregistered_or_forged_cosignature_is_refused() -> None:
    statement = make_statement()
    sign(statement, 1)
    tlog.tick()
    checkpoint = LogCheckpoint.objects.get(statement=statement)
    stranger = note.Signer.generate("ngo.example/witness", note.COSIGNATURE_V1)
    line = stranger.signature_line(b"anything\n", timestamp=1)
    with pytest.raises(tlog.LogError, match="no registered witness"):
        log_witnesses.add_cosignature(statement, checkpoint.size, line)
    Witness.objects.create(vkey=stranger.verifier.vkey)
    with pytest.raises(tlog.LogError, match="does not verify"):
        log_witnesses.add_cosignature(statement, checkpoint.size, line)
    with pytest.raises(tlog.LogError, match="no checkpoint"):
        log_witnesses.add_cosignature(statement, 99, line)


def test_racing_workers_never_double_a_leaf(monkeypatch: pytest.MonkeyPatch) -> None:
    statement = make_statement()
    for i in range(4):
        sign(statement, i)
    assert tlog.append_leaves(statement) == 4
    sign(statement, 4)
    # A second worker that read the log before the first one appended collides on the
    # index: it appends nothing (and the next tick starts from the leaves that won).
    monkeypatch.setattr(tlog, "next_index", lambda statement: 2)
    assert tlog.append_leaves(statement) == 0
    monkeypatch.undo()
    assert tlog.append_leaves(statement) == 1
    assert countlog.recount(entries(statement), statement.slug).count == 5


def _fake_leaves(statement: Statement, n: int) -> list[bytes]:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    LogLeaf.objects.bulk_create(
        LogLeaf(statement=statement, index=i, entry=b"", leaf_hash=h, adds=True, commitment="-")
        for i, h in enumerate(hashes)
    )
    return hashes


def test_stored_hashes_give_the_roots_the_leaves_give_and_remember_full_blocks(
    django_assert_max_num_queries: Any,
) -> None:
    statement = make_statement()
    hashes = _fake_leaves(statement, 600)
    for size in (1, 2, 255, 256, 257, 512, 600):
        assert merkle.root_hash(size, tlog.StoredHashes(statement, size)) == (
            merkle.LeafList(hashes).root(size)
        )
    # Two complete blocks are remembered: only the last, partial block is read again.
    with django_assert_max_num_queries(1):
        merkle.root_hash(600, tlog.StoredHashes(statement, 600))
    level1 = tlog.StoredHashes(statement, 600)
    assert tiles.tile_data(tiles.Tile(1, 0, 2), level1) == (
        merkle.LeafList(hashes)(0, 256) + merkle.LeafList(hashes)(256, 256)
    )


def test_a_leaf_names_the_primary_text_not_the_language_the_signer_read() -> None:
    statement = make_statement()
    signature, _message = Signature.sign(
        statement, language="uk", name="Олена", email="olena@example.org", country="UA"
    )
    assert signature is not None
    signature.confirm()
    tlog.append_leaves(statement)
    version = countlog.Event.parse(entries(statement)[0]).version
    english = statement.versions.get(language="en").content_hash
    ukrainian = statement.versions.get(language="uk").content_hash
    assert version == english != ukrainian


PAPER_HEADER = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"


def test_paper_batches_and_their_undo_are_leaves_and_the_recount_is_the_page_total() -> None:
    from undersigned.public.pages import counts_for
    from undersigned.statements import paper

    statement = make_statement()
    for i in range(3):
        sign(statement, i)
    rows = "".join(f"00{i},Paper Person{i},,UA,,,4,\n" for i in range(1, 6))
    first = paper.import_rows(statement, paper.parse(PAPER_HEADER + rows)).batch
    paper.import_rows(statement, paper.parse(PAPER_HEADER + "0099,Other,,UA,,,4,\n"))
    assert tlog.append_leaves(statement) == 3 + 2
    assert tlog.append_leaves(statement) == 0
    assert first is not None
    paper.undo(first)
    assert tlog.append_leaves(statement) == 1
    events = [countlog.Event.parse(e) for e in entries(statement)]
    assert [(e.event, e.number) for e in events[3:]] == [
        ("paper", 5),
        ("paper", 1),
        ("paper-undone", 5),
    ]
    tally = countlog.recount(entries(statement), statement.slug)
    counts = counts_for(statement)
    assert tally.count == counts["counted"] + counts["paper"] == 4
    checkpoint = tlog.make_checkpoint(statement)
    assert checkpoint is not None and checkpoint.count == tally.count


def test_signatures_without_an_email_are_leaves_counted_apart() -> None:
    statement = make_statement(allow_no_email=True)
    sign(statement, 1)
    lone = [
        Signature.sign(statement, language="en", name=f"Lone {i}", email="", country="UA")[0]
        for i in range(3)
    ]
    assert all(row is not None for row in lone)
    assert tlog.append_leaves(statement) == 4
    assert countlog.Event.parse(entries(statement)[3]).event == "unverified"
    services.invalidate(
        statement,
        criteria=services.Criteria(since=lone[2].created_at),
        reason="bots",  # type: ignore[union-attr]
    )
    assert tlog.append_leaves(statement) == 1
    tally = countlog.recount(entries(statement), statement.slug)
    assert (tally.count, tally.unverified, tally.invalidated) == (1, 2, 0)
    assert statement.counts()["unverified"] == 2
    checkpoint = tlog.make_checkpoint(statement)
    assert checkpoint is not None and checkpoint.count == 1


def paper_batch(statement: Statement, n: int, first: int = 1) -> Any:
    from undersigned.statements import paper

    rows = "".join(
        f"{i:04d},Paper Person{i},paper{i}@example.org,UA,,,4,\n" for i in range(first, first + n)
    )
    return paper.import_rows(statement, paper.parse(PAPER_HEADER + rows)).batch


def erase_paper(statement: Statement, i: int) -> None:
    from undersigned.statements import paper
    from undersigned.statements.models import PaperSignature

    row = PaperSignature.objects.get(statement=statement, public_name="", sheet=f"{i:04d}")
    assert row.email_digest is not None and paper.erase(statement, row.email_digest) == 1


def paper_events(statement: Statement) -> list[tuple[str, int, str]]:
    events = [countlog.Event.parse(e) for e in entries(statement)]
    return [(e.event, e.number, e.commitment[:8]) for e in events if e.event.startswith("paper")]


def recounted_is_shown(statement: Statement) -> None:
    """The log recounts to the total, the checkpoint too (the page's counts are cached)."""
    from undersigned.statements.models import paper_count

    tally = countlog.recount(entries(statement), statement.slug)
    assert tally.count == statement.counts()["counted"] + paper_count(statement)
    checkpoint = tlog.make_checkpoint(statement, timezone.now() + LATER * len(entries(statement)))
    assert checkpoint is not None and checkpoint.count == tally.count


def test_erasing_the_only_paper_signer_of_a_batch_undoes_it_and_the_worker_goes_on() -> None:
    statement = make_statement()
    other = make_statement("another")
    paper_batch(statement, 1)
    assert tlog.tick() == (1, 1)
    erase_paper(statement, 1)
    sign(other, 1)
    assert tlog.tick(timezone.now() + LATER) == (2, 2)
    assert [e[:2] for e in paper_events(statement)] == [("paper", 1), ("paper-undone", 1)]
    assert tlog.append_leaves(statement) == 0
    assert countlog.recount(entries(statement), statement.slug).count == 0
    assert countlog.recount(entries(other), other.slug).count == 1


def test_a_resized_paper_batch_is_undone_and_logged_again_under_a_new_commitment() -> None:
    from undersigned.statements import paper

    statement = make_statement()
    sign(statement, 1)
    batch = paper_batch(statement, 3)
    tlog.append_leaves(statement)
    erase_paper(statement, 2)
    assert tlog.append_leaves(statement) == 2
    assert tlog.append_leaves(statement) == 0
    recounted_is_shown(statement)
    paper.undo(batch)
    assert tlog.append_leaves(statement) == 1
    (_, _, first), (_, _, undone), (_, _, second), (_, _, last) = paper_events(statement)
    assert [e[:2] for e in paper_events(statement)] == [
        ("paper", 3), ("paper-undone", 3), ("paper", 2), ("paper-undone", 2),
    ]  # fmt: skip
    assert first == undone != second == last
    recounted_is_shown(statement)


def test_reconcile_fix_of_a_logged_batch_is_logged_and_verifiable() -> None:
    from undersigned.statements import paper
    from undersigned.statements.models import PaperBatch

    statement = make_statement()
    batch = paper_batch(statement, 2)
    PaperBatch.objects.filter(pk=batch.pk).update(size=5)  # drift, as reconcile finds it
    tlog.append_leaves(statement)
    assert paper.reconcile_paper(statement, fix=True) == (5, 2)
    assert tlog.append_leaves(statement) == 2
    assert [e[:2] for e in paper_events(statement)] == [
        ("paper", 5), ("paper-undone", 5), ("paper", 2),
    ]  # fmt: skip
    recounted_is_shown(statement)


def test_one_statement_failing_does_not_stop_the_log_of_the_others(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken, fine = make_statement(), make_statement("another")
    sign(broken, 1)
    sign(fine, 1)
    real = tlog.append_leaves

    def append(statement: Statement, now: dt.datetime | None = None) -> int:
        if statement.pk == broken.pk:
            raise countlog.CountLogError("malformed count event")
        return real(statement, now)

    monkeypatch.setattr(tlog, "append_leaves", append)
    assert tlog.tick() == (1, 1)
    assert tlog.latest_checkpoint(fine) is not None and not entries(broken)
    assert "stop-the-war" in caplog.text


def test_a_paper_leaf_names_the_text_its_rows_were_signed_under() -> None:
    from undersigned.statements.models import StatementVersion

    statement = make_statement()
    paper_batch(statement, 2)
    signed_under = statement.versions.get(language="en").content_hash
    StatementVersion.objects.filter(statement=statement, language="en").update(is_current=False)
    StatementVersion.objects.create(
        statement=statement, language="en", number=2, primary_number=2, title="T2",
        body_markdown="New body.", body_html="<p>New body.</p>", content_hash="a" * 64,
    )  # fmt: skip
    tlog.append_leaves(statement)
    erase_paper(statement, 1)
    tlog.append_leaves(statement)
    versions = [countlog.Event.parse(e).version for e in entries(statement)]
    assert versions == [signed_under] * 3
