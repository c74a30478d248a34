"""One person, one signature across paper and online (P3), whichever came first."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.core import mail
from django.test import Client

from undersigned.delivery.emails import deliver_all
from undersigned.public.screening import started_token
from undersigned.statements import paper
from undersigned.statements.models import OutboxMessage, PaperSignature, Signature, paper_count
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


def test_an_online_signer_is_left_out_of_a_later_paper_batch() -> None:
    statement = make_statement()
    post("olena@example.org")
    deliver_all()
    assert "/confirm/" in mail.outbox[0].body
    rows = paper.parse(HEADER + "0001,Olena,Olena@Example.org,UA,,,4,\n0001,Ivan,,UA,,,,\n")
    outcome = paper.import_rows(statement, rows)
    assert outcome.skipped_lines == [2] and outcome.batch.size == 1


def test_an_undone_paper_batch_no_longer_blocks_signing_online() -> None:
    statement = make_statement()
    batch = paper.import_rows(
        statement, paper.parse(HEADER + "0001,Olena,olena@example.org,UA,,,4,\n")
    ).batch
    paper.undo(batch)
    post("olena@example.org")
    deliver_all()
    assert "/confirm/" in mail.outbox[0].body
