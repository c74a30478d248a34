"""Admission control on the sign and endorse paths (issue 14, item 7): past the limits a
submission is answered at once with 503 + Retry-After and nothing is written."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import OperationalError, connection
from django.test import Client

from undersigned.backends.writegate import gate, lock_path
from undersigned.lib import deadline
from undersigned.public import admission
from undersigned.public.admission import ARRIVED
from undersigned.public.screening import wait_token
from undersigned.statements import hotpath
from undersigned.statements.models import Endorsement, OutboxMessage, Signature
from undersigned.test import endorse_form, make_statement, proof, sign_form

pytestmark = pytest.mark.django_db

SIGN = "/en/stop-the-war/sign/"
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def post(data: dict[str, str], url: str = SIGN, **extra: object) -> object:
    return Client().post(url, data, **{**ORIGIN, **extra})


def nothing_written() -> bool:
    return not Signature.objects.exists() and not OutboxMessage.objects.exists()


@pytest.fixture
def full() -> Iterator[None]:
    """Every slot of this process taken, as by submissions still in hand."""
    taken = 0
    while admission.slots.take(admission.settings.SIGN_MAX_IN_FLIGHT):
        taken += 1
    yield
    for _ in range(taken):
        admission.slots.give_back()


def assert_busy(response: object, language: str = "en") -> str:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response["Retry-After"] == "2"  # type: ignore[index]
    cache_control = response["Cache-Control"]  # type: ignore[index]
    assert "no-store" in cache_control and "public" not in cache_control
    assert "script-src 'self'" in response["Content-Security-Policy"]  # type: ignore[index]
    assert not response.cookies  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert f'lang="{language}"' in html and "<script" not in html
    return html


def test_a_full_process_answers_503_quickly_and_takes_nothing(full: None) -> None:
    make_statement()
    post(sign_form("anna@example.org"))  # the first request of a process loads templates
    started = time.monotonic()
    html = assert_busy(post(sign_form("anna@example.org")))
    waited = time.monotonic() - started
    assert admission.queue_seconds() <= waited < admission.queue_seconds() + 0.5
    assert "Your signature was not recorded: nothing you entered was kept." in html
    assert 'href="/en/stop-the-war/"' in html
    assert nothing_written()


@pytest.mark.parametrize(
    ("language", "words"),
    [("uk", "Ваш підпис не записано"), ("ru", "Ваша подпись не записана")],
)
def test_the_busy_page_speaks_the_signers_language(full: None, language: str, words: str) -> None:
    make_statement()
    html = assert_busy(
        post(sign_form("anna@example.org"), f"/{language}/stop-the-war/sign/"), language
    )
    assert words in html


def test_a_slot_given_back_within_the_wait_is_taken_not_refused() -> None:
    slots = admission.Slots()
    assert slots.take(1)
    threading.Timer(0.05, slots.give_back).start()
    started = time.monotonic()
    assert slots.take(1, wait=2.0)  # a burst cleared in milliseconds is served
    assert time.monotonic() - started < 1.0
    assert not slots.take(1, wait=0.05) and slots.refused == 1


def test_the_slot_is_given_back_after_each_submission() -> None:
    make_statement()
    for n in range(admission.settings.SIGN_MAX_IN_FLIGHT + 2):
        assert post(sign_form(f"anna{n}@example.org")).status_code == 302
    assert admission.slots.taken == 0


def test_a_submission_that_waited_past_its_budget_is_not_written(settings: object) -> None:
    settings.SIGN_BUDGET_MS = 1000  # type: ignore[attr-defined]
    make_statement()
    arrived = time.monotonic() - 2.0  # queued before it reached the view
    assert_busy(post(sign_form("anna@example.org"), **{ARRIVED: arrived}))
    assert nothing_written()
    assert admission.slots.taken == 0


def test_within_its_budget_it_is_written(settings: object) -> None:
    settings.SIGN_BUDGET_MS = 10_000  # type: ignore[attr-defined]
    make_statement()
    arrived = time.monotonic() - 2.0  # as above, with a budget that allows for it
    assert post(sign_form("anna@example.org"), **{ARRIVED: arrived}).status_code == 302
    assert Signature.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the write gate is SQLite's")
@pytest.mark.django_db(transaction=True)  # the gate is taken outside a test's transaction
def test_the_write_gate_waits_no_longer_than_the_budget(settings: object) -> None:
    settings.SIGN_BUDGET_MS = 300  # type: ignore[attr-defined]
    make_statement()
    assert post(sign_form("first@example.org")).status_code == 302  # loads what a first does
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # another writer holds the database, as a long command would
        with gate(lock_path()):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        started = time.monotonic()
        assert_busy(post(sign_form("anna@example.org")))
        assert time.monotonic() - started < 2  # not the gate's 20 s
    finally:
        release.set()
        holder.join()
    assert Signature.objects.count() == OutboxMessage.objects.count() == 1  # the first only


def test_the_resend_of_a_proof_refused_at_the_write_is_the_first_send() -> None:
    form = sign_form("anna@example.org", altcha=proof(make_statement()))

    def late(*args: object) -> bool:  # the write gate gave up at the budget
        raise deadline.DeadlineExceeded

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hotpath, "insert_signature", late)
        assert_busy(post(form))
    assert post(form).status_code == 302  # Back restores the solved proof: sent again
    assert Signature.objects.get().quarantine_reasons == ""  # not a replay nor a burst


def test_the_resend_of_a_wait_token_refused_at_the_write_is_the_first_send(
    settings: object,
) -> None:
    onion = "undersignedexampleabcdefghijklmnopqrstuvwxyz234567abcdef.onion"
    settings.ONION_ADDRESS, settings.ONION_LISTENER = onion, True  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, onion]  # type: ignore[attr-defined]
    form = sign_form("anna@example.org", wait=wait_token(make_statement().pk, time.time() - 25))
    at = {"HTTP_HOST": onion, "HTTP_ORIGIN": f"http://{onion}"}

    def refused(*args: object) -> bool:
        raise OperationalError("connection refused")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hotpath, "insert_signature", refused)
        assert_busy(Client().post(SIGN, form, **at))
    assert Client().post(SIGN, form, **at).status_code == 302  # the token is in the HTML
    assert Signature.objects.get().quarantine_reasons == ""


def test_a_database_that_cannot_be_reached_answers_503_not_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_statement()

    def unreachable(*args: object) -> bool:
        raise OperationalError("connection refused")

    monkeypatch.setattr(hotpath, "insert_signature", unreachable)
    assert_busy(post(sign_form("anna@example.org")))
    assert nothing_written()


def test_the_endorse_form_is_admitted_the_same_way(full: None) -> None:
    make_statement()
    html = assert_busy(post(endorse_form(), "/en/stop-the-war/endorse/"))
    assert "Your endorsement was not recorded" in html
    assert not Endorsement.objects.exists()


def wsgi_post(app: admission.Admission, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: list[object] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_ORIGIN": "http://testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "CONTENT_LENGTH": "0",
    }
    body = b"".join(
        app(environ, lambda status, headers, exc_info=None: seen.extend([status, headers]))
    )
    return str(seen[0]), dict(seen[1]), body  # type: ignore[call-overload]


@pytest.mark.django_db(transaction=True)  # Django's handler closes the connection after
def test_in_front_of_django_a_refusal_replays_the_page_without_django(full: None) -> None:
    make_statement()
    calls = 0
    django_app = get_wsgi_application()

    def counted(environ: dict[str, object], start_response: object) -> object:
        nonlocal calls
        calls += 1
        return django_app(environ, start_response)  # type: ignore[arg-type]

    app = admission.Admission(counted)  # type: ignore[arg-type]
    first = wsgi_post(app, "/uk/stop-the-war/sign/")
    second = wsgi_post(app, "/uk/stop-the-war/sign/")
    assert first == second and calls == 1
    status, headers, body = second
    assert status.startswith("503") and headers["Retry-After"] == "2"
    assert "no-store" in headers["Cache-Control"] and "Content-Security-Policy" in headers
    assert "Ваш підпис не записано" in body.decode()
    assert nothing_written()


def test_past_the_waiters_bound_a_submission_is_refused_at_once() -> None:
    slots = admission.Slots()
    assert slots.take(1)
    waiter = threading.Thread(target=slots.take, args=(1, 2.0, 1))
    waiter.start()
    while slots.waiting < 1:  # the one waiter allowed is waiting
        time.sleep(0.001)
    started = time.monotonic()
    assert not slots.take(1, 2.0, 1)  # a second would hold another thread: refused
    assert time.monotonic() - started < 0.5
    slots.give_back()  # the waiter takes the slot
    waiter.join(5)
    assert slots.taken == 1 and slots.waiting == 0


def test_by_default_the_waiters_leave_two_threads_free() -> None:
    threads = admission.settings.SERVE_THREADS
    free = threads - admission.settings.SIGN_MAX_IN_FLIGHT - admission.settings.SIGN_MAX_WAITING
    assert free >= 2 or admission.settings.SIGN_MAX_WAITING == 0
