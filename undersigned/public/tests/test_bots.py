"""The issue's acceptance scenarios: a scripted flood, forged proofs, a mail-bomb."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from undersigned.delivery.emails import deliver_all
from undersigned.statements.models import Signature
from undersigned.statements.services import reconcile
from undersigned.test import LINK_RE, make_statement, proof, sign_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_cache(settings: object) -> None:
    # Thousands of submissions: local memory keeps the run short. The limits' behaviour on
    # Redis, shared by two server processes, is shown in tests/test_abuse_live.py.
    from django.core.cache import cache

    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bots",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }
    cache.clear()


URL = "/en/stop-the-war/sign/"
BOT = "203.0.113.66"


# One client for the whole module: building one loads the middleware, and WhiteNoise then
# indexes every static file, which would dominate a thousand-request test.
CLIENT = Client()


def post(data: dict[str, str], address: str = BOT, url: str = URL) -> object:
    return CLIENT.post(url, data, HTTP_ORIGIN="http://testserver", REMOTE_ADDR=address)


def confirm_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def confirm_all() -> int:
    deliver_all()
    client, confirmed = CLIENT, 0
    for message in mail.outbox:
        for match in LINK_RE.finditer(message.body):
            if match.group(1) == "confirm":
                response = client.post(
                    confirm_path(match.group(0)), HTTP_ORIGIN="http://testserver"
                )
                assert response.status_code == 200
                confirmed += 1
    mail.outbox.clear()
    return confirmed


# The bot is patient (it waits out the fill time), leaves the honeypot empty and names a
# fresh mailbox it controls each time; it has no JavaScript and so no proof-of-work.
@pytest.mark.parametrize(
    ("submissions", "limits"),
    [
        (200, {}),  # the defaults: burst and sustained limits bite first
        (
            1000,
            {  # only the no-JavaScript allowance stands in its way
                "SIGN_BURST_LIMIT": "10000/60",
                "SIGN_SUSTAINED_LIMIT": "10000/300",
                "SIGN_DOMAIN_LIMIT": "10000/600",
            },
        ),
    ],
)
def test_scripted_signatures_leave_only_the_no_javascript_allowance(
    submissions: int, limits: dict[str, str]
) -> None:
    statement = make_statement()
    with override_settings(**limits):
        for i in range(submissions):
            response = post(sign_form(f"bot{i}@bots.example"))
            assert response.status_code == 302
        assert confirm_all() == submissions
    counted = Signature.objects.filter(counted=True).count()
    assert counted <= settings.SIGN_NO_POW_PER_DAY
    assert Signature.objects.filter(quarantined=True).count() == submissions - counted
    assert Signature.objects.filter(status="confirmed").count() == submissions
    assert statement.counts()["counted"] == counted
    assert not reconcile(statement).drift


RELAXED = {
    "SIGN_BURST_LIMIT": "10000/60",
    "SIGN_SUSTAINED_LIMIT": "10000/300",
    "SIGN_DOMAIN_LIMIT": "10000/600",
    "SIGN_NO_POW_PER_DAY": 10000,
}


@override_settings(**RELAXED)
def test_a_replayed_proof_is_refused_a_hundred_times_of_a_hundred() -> None:
    statement = make_statement()
    payload = proof(statement)
    post(sign_form("first@example.org", altcha=payload))
    for i in range(100):
        post(sign_form(f"replay{i}@example.org", altcha=payload))
    first, *replays = Signature.objects.order_by("pk")
    assert not first.quarantined
    assert len(replays) == 100
    assert all(r.quarantined and r.quarantine_reasons == "pow-replay" for r in replays)


@override_settings(**RELAXED)
def test_expired_proofs_are_refused_a_hundred_times_of_a_hundred() -> None:
    statement = make_statement()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=settings.POW_EXPIRES_MINUTES + 1)
    for i in range(100):
        post(sign_form(f"late{i}@example.org", altcha=proof(statement, now=long_ago)))
    reasons = set(Signature.objects.values_list("quarantine_reasons", flat=True))
    assert reasons == {"pow-expired"} and Signature.objects.count() == 100


@override_settings(**RELAXED)
def test_proofs_for_another_statement_are_refused_a_hundred_times_of_a_hundred() -> None:
    make_statement()
    other = make_statement("other-statement")
    for i in range(100):
        post(sign_form(f"elsewhere{i}@example.org", altcha=proof(other)))
    reasons = set(Signature.objects.values_list("quarantine_reasons", flat=True))
    assert reasons == {"pow-other-statement"} and Signature.objects.count() == 100
    # The same kind of proof, where it belongs, is accepted.
    post(sign_form("home@example.org", altcha=proof(other)), url="/en/other-statement/sign/")
    assert not Signature.objects.get(statement=other).quarantined


def comparable(response: object) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k.lower() != "date"}  # type: ignore[attr-defined]
    return response.status_code, headers, response.content  # type: ignore[attr-defined]


def test_over_limit_answers_are_byte_identical_to_accepted_ones() -> None:
    statement = make_statement()
    accepted = post(sign_form("anna@example.org", altcha=proof(statement)))
    over_limit = [post(sign_form(f"flood{i}@example.org")) for i in range(10)]
    honeypot = post(sign_form("bot@example.org", website="x"), address="198.51.100.9")
    already = post(sign_form("anna@example.org"), address="198.51.100.10")
    assert Signature.objects.get(pk=Signature.objects.order_by("pk")[0].pk).quarantined is False
    assert Signature.objects.filter(quarantined=True).count() == 11
    for response in [*over_limit, honeypot, already]:
        assert comparable(response) == comparable(accepted)


def test_a_hundred_submissions_naming_one_victim_send_at_most_the_daily_cap() -> None:
    make_statement()
    make_statement("second-statement")
    for i in range(100):
        url = URL if i % 2 else "/en/second-statement/sign/"
        response = post(
            sign_form("victim@example.org"), address=f"198.51.{i // 250}.{i % 250}", url=url
        )
        # Past the cap nothing tells the sender that no email went out.
        assert response.status_code == 302
        assert response["Location"] == url.replace("/sign/", "/thanks/")
    deliver_all()
    to_victim = [m for m in mail.outbox if "victim@example.org" in m.to]
    assert 1 <= len(to_victim) <= settings.CONFIRM_EMAILS_PER_ADDRESS
