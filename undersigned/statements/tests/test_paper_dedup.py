"""One person, one signature across paper and online (P3), whichever came first."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from undersigned.delivery.emails import deliver_all
from undersigned.lib.tlog import countlog
from undersigned.public.screening import started_token
from undersigned.statements import paper, retention, tlog
from undersigned.statements.models import (
    LogLeaf,
    OutboxMessage,
    PaperSignature,
    Signature,
    Statement,
    StatementError,
    paper_count,
)
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

HEADER = "sheet,name,email,country,city,affiliation,visibility,signed_on\n"
URL = "/en/stop-the-war/sign/"
FORM = {"name": "Olena", "country": "UA", "city": "", "affiliation": "", "visibility": "4"}


def post(email: str) -> tuple[int, str]:
    data = {**FORM, "email": email, "started": started_token(time.time() - 10)}
    response = Client().post(URL, data, HTTP_ORIGIN="http://testserver")
    return response.status_code, response["Location"]


def test_a_paper_signer_who_signs_online_gets_a_duplicates_answer_and_counts_once() -> None:
    statement = make_statement()
    paper.import_rows(statement, paper.parse(HEADER + "0001,Olena,olena@example.org,UA,,,4,\n"))
    stranger = post("someone@example.org")
    on_paper = post("OLENA@example.org")
    assert on_paper == stranger, "the answer does not tell who signed on paper"
    deliver_all()
    notice = next(m for m in mail.outbox if m.to == ["OLENA@example.org"])
    assert "already signed" in notice.body
    assert "/confirm/" not in notice.body and "/manage/" not in notice.body
    online = Signature.objects.get(email_digest=PaperSignature.objects.get().email_digest)
    assert online.status == Signature.Status.PENDING and not online.counted
    assert OutboxMessage.objects.get(signature=online).kind == "already_signed"
    # Signing online again: still no link that could confirm the online row, and not
    # another email within the day.
    post("olena@example.org")
    deliver_all()
    assert len([m for m in mail.outbox if m.to[0].lower() == "olena@example.org"]) == 1
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)):
        post("olena@example.org")
        deliver_all()
    again = [m for m in mail.outbox if m.to[0].lower() == "olena@example.org"]
    assert len(again) == 2 and "/confirm/" not in again[1].body
    assert paper_count(statement) == 1
    assert Signature.objects.filter(counted=True).count() == 0


def confirm_link(email: str) -> str:
    deliver_all()
    body = next(m for m in mail.outbox if m.to == [email]).body
    return re.search(r"/en/confirm/[A-Za-z0-9_-]{32}/", body).group(0)  # type: ignore[union-attr]


def total(statement: Statement) -> int:
    """Every signature that counts, online and on paper, as the page adds them up."""
    return statement.counts()["counted"] + paper_count(statement)


def test_a_confirmed_online_signer_is_left_out_of_a_later_paper_batch() -> None:
    statement = make_statement()
    post("olena@example.org")
    Client().post(confirm_link("olena@example.org"), HTTP_ORIGIN="http://testserver")
    rows = paper.parse(HEADER + "0001,Olena,Olena@Example.org,UA,,,4,\n0001,Ivan,,UA,,,,\n")
    outcome = paper.import_rows(statement, rows)
    assert outcome.skipped_lines == [2] and outcome.batch.size == 1
    assert total(statement) == 2


def test_an_unconfirmed_online_signer_on_a_later_sheet_counts_once_on_paper() -> None:
    statement = make_statement()
    post("olena@example.org")
    link = confirm_link("olena@example.org")
    stale = Signature.objects.get()  # as a confirmation that read the row before the import
    outcome = paper.import_rows(
        statement, paper.parse(HEADER + "0001,Olena,OLENA@example.org,UA,,,4,\n")
    )
    assert outcome.skipped_lines == [] and outcome.batch.size == 1
    assert Client().post(link, HTTP_ORIGIN="http://testserver").status_code == 404
    with pytest.raises(StatementError):
        stale.confirm()
    later = timezone.now() + dt.timedelta(days=settings.UNCONFIRMED_RETENTION_DAYS + 1)
    retention.purge(later)
    assert total(statement) == 1 and paper_count(statement) == 1
    tlog.append_leaves(statement)
    leaves = LogLeaf.objects.filter(statement=statement).order_by("index")
    recount = countlog.recount(
        [bytes(e) for e in leaves.values_list("entry", flat=True)], statement.slug
    )
    assert recount.count == 1


def test_a_confirmation_landing_during_an_import_keeps_the_paper_row_out() -> None:
    statement = make_statement()
    post("olena@example.org")
    link = confirm_link("olena@example.org")

    def confirm_meanwhile(rows: Iterable[paper.Row]) -> Iterable[paper.Row]:
        Client().post(link, HTTP_ORIGIN="http://testserver")
        return rows

    rows = paper.parse(HEADER + "0001,Olena,olena@example.org,UA,,,4,\n0001,Ivan,,UA,,,,\n")
    outcome = paper.import_rows(statement, rows, progress=confirm_meanwhile)
    assert outcome.skipped_lines == [2] and outcome.batch.size == 1
    assert Signature.objects.get().counted and total(statement) == 2


def test_an_online_signature_made_during_an_import_counts_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statement = make_statement()
    links: list[str] = []
    replace = paper._replace_unconfirmed

    def sign_meanwhile(statement: Statement, digests: set[str]) -> tuple[int, set[str]]:
        found = replace(statement, digests)
        post("olena@example.org")  # just after the import's look at the online rows
        links.append(confirm_link("olena@example.org"))  # sent before the paper rows exist
        return found

    monkeypatch.setattr(paper, "_replace_unconfirmed", sign_meanwhile)
    paper.import_rows(statement, paper.parse(HEADER + "0001,Olena,olena@example.org,UA,,,4,\n"))
    Client().post(links[0], HTTP_ORIGIN="http://testserver")
    with pytest.raises(StatementError):
        Signature.objects.get().confirm()
    assert total(statement) == 1 and not Signature.objects.get().counted


def test_an_undone_paper_batch_no_longer_blocks_signing_online() -> None:
    statement = make_statement()
    batch = paper.import_rows(
        statement, paper.parse(HEADER + "0001,Olena,olena@example.org,UA,,,4,\n")
    ).batch
    paper.undo(batch)
    post("olena@example.org")
    deliver_all()
    assert "/confirm/" in mail.outbox[0].body
