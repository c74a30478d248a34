from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend
from django.test import override_settings

from undersigned.delivery.emails import claim_one, deliver_all, deliver_one, message_id
from undersigned.statements.models import OutboxMessage, Signature
from undersigned.test import Mailbox, free_port, links_in, make_statement

pytestmark = pytest.mark.django_db


def smtp(port: int) -> override_settings:
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=5,
    )


def queue(email: str = "anna@example.org", language: str = "en") -> OutboxMessage:
    statement = make_statement()
    _signature, message = Signature.sign(
        statement, language=language, name="Anna", email=email, country="UA"
    )
    assert message is not None
    return message


def test_it_sends_text_and_html_in_the_signers_language_and_erases_the_address(
    mailbox: Mailbox,
) -> None:
    message = queue(language="ru")
    with smtp(mailbox.port):
        assert deliver_all() == 1
    [received] = mailbox.wait_for("anna@example.org")
    assert received["Content-Language"] == "ru"
    assert {p.get_content_type() for p in received.walk()} >= {"text/plain", "text/html"}
    assert "/ru/confirm/" in links_in(received)["confirm"]
    message.refresh_from_db()
    assert message.sent_at is not None and message.payload is None


def test_a_failed_send_backs_off_and_keeps_the_message() -> None:
    message = queue()
    with smtp(free_port()):  # nothing listens there
        assert deliver_one() is True
    message.refresh_from_db()
    assert message.attempts == 1 and message.sent_at is None and message.payload is not None
    assert message.next_attempt_at > message.created_at + dt.timedelta(seconds=25)
    assert "ConnectionRefusedError" in message.last_error
    with smtp(free_port()):
        assert deliver_one() is False, "not due again before its back-off"


def test_it_retries_after_the_back_off_and_then_delivers(mailbox: Mailbox) -> None:
    message = queue()
    with smtp(free_port()):
        deliver_one()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)):
        with smtp(mailbox.port):
            assert deliver_one() is True
    mailbox.wait_for("anna@example.org")
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_it_gives_up_after_the_last_attempt_and_erases_the_address() -> None:
    message = queue()
    now = dt.datetime.now(dt.UTC)
    for hours in (0, 1):
        with time_machine.travel(now + dt.timedelta(hours=hours)), smtp(free_port()):
            deliver_one()
    message.refresh_from_db()
    assert message.failed_at is not None and message.payload is None


def test_a_claimed_message_is_not_claimed_twice() -> None:
    queue()
    assert claim_one() is not None
    assert claim_one() is None


def test_a_claim_left_by_a_dead_worker_expires() -> None:
    queue()
    assert claim_one() is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    with time_machine.travel(later):
        assert claim_one() is not None


SITE = "https://sign.example.org"


def send(country: str, *, twice: bool = False) -> list[mail.EmailMessage]:
    statement = make_statement()
    for _ in range(2 if twice else 1):
        Signature.sign(
            statement,
            language="en",
            name="Ivan Petrov",
            email="ivan@example.org",
            country=country,
        )
    deliver_all()
    return list(mail.outbox)


@override_settings(
    HIGH_RISK_COUNTRIES=["RU", "BY"],
    SITE_URL=SITE,
    SITE_NAME="Stop the war campaign",
    NEUTRAL_SENDER_NAME="Notifications",
)
@pytest.mark.parametrize("country", ["RU", "BY"])
def test_mail_to_a_high_risk_signer_is_neutral(country: str) -> None:
    for message in send(country, twice=True):
        html = message.alternatives[0][0]  # type: ignore[attr-defined]
        everything = f"{message.subject} {message.body} {html} {message.from_email}"
        assert "Title en" not in everything and "Stop the war" not in everything
        assert message.from_email.startswith("Notifications <")
        assert "<img" not in html.lower()
        links = re.findall(r'(?:href|src)="([^"]+)"', html)
        assert links and all(link.startswith(SITE + "/") for link in links)
        assert all(url.startswith(SITE + "/") for url in re.findall(r"https?://\S+", message.body))


@override_settings(HIGH_RISK_COUNTRIES=["RU"], SITE_NAME="Stop the war campaign")
def test_mail_to_others_names_the_statement() -> None:
    (message,) = send("UA")
    assert "Title en" in message.subject
    assert message.from_email.startswith("Stop the war campaign <")


class Crash(BaseException):
    """A worker killed between the SMTP server's 250 and the commit of the mark."""


def test_a_crash_after_send_resends_with_the_same_message_id(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = queue()

    def crash(self: OutboxMessage) -> None:
        raise Crash

    with smtp(mailbox.port):
        with monkeypatch.context() as patch:
            patch.setattr(OutboxMessage, "mark_sent", crash)
            with pytest.raises(Crash):
                deliver_one()
        assert deliver_one() is False, "the lease keeps the row until it runs out"
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
        with time_machine.travel(later):
            assert deliver_one() is True
    first, second = mailbox.wait_for("anna@example.org", count=2)
    assert first["Message-ID"] == second["Message-ID"] == message_id(message)
    assert re.fullmatch(r"<[0-9a-f]{40}@[^>]+>", first["Message-ID"])
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 0


def test_message_ids_differ_between_rows() -> None:
    statement = make_statement()
    messages = [
        Signature.sign(statement, language="en", name="A", email=f"{n}@example.org", country="UA")[
            1
        ]
        for n in ("a", "b")
    ]
    assert len({message_id(m) for m in messages if m is not None}) == 2


def test_the_row_is_marked_sent_before_the_connection_closes(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue()
    seen: list[bool] = []
    real_mark, real_close = OutboxMessage.mark_sent, EmailBackend.close

    def mark(self: OutboxMessage) -> None:
        seen.append(True)
        real_mark(self)

    def close(self: EmailBackend) -> None:
        if self.connection is not None:
            seen.append(False)
        real_close(self)

    monkeypatch.setattr(OutboxMessage, "mark_sent", mark)
    monkeypatch.setattr(EmailBackend, "close", close)
    with smtp(mailbox.port):
        assert deliver_one() is True
    assert seen == [True, False], "marked before QUIT, not after"
