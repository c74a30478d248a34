"""Each screening rule quarantines silently; nothing a person does by hand is caught."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, override_settings

from undersigned.delivery.emails import deliver_all
from undersigned.public import screening
from undersigned.statements.caches import forget_blocklist
from undersigned.statements.models import BlockedSource, Signature
from undersigned.test import make_statement, proof, sign_form

pytestmark = pytest.mark.django_db

URL = "/en/stop-the-war/sign/"
RELAXED = {
    "SIGN_BURST_LIMIT": "1000/60",
    "SIGN_SUSTAINED_LIMIT": "1000/300",
    "SIGN_DOMAIN_LIMIT": "1000/600",
    "SIGN_NO_POW_PER_DAY": 1000,
}


CLIENT = Client()  # one middleware load for the module (WhiteNoise indexes static files)


def post(data: dict[str, str], address: str = "198.51.100.7", url: str = URL) -> object:
    return CLIENT.post(url, data, HTTP_ORIGIN="http://testserver", REMOTE_ADDR=address)


def only() -> Signature:
    return Signature.objects.get()


def test_a_careful_person_with_proof_of_work_is_not_quarantined() -> None:
    statement = make_statement()
    assert post(sign_form("anna@example.org", altcha=proof(statement))).status_code == 302
    assert not only().quarantined and only().quarantine_reasons == ""


def test_a_person_without_javascript_is_not_quarantined() -> None:
    make_statement()
    post(sign_form("anna@example.org"))
    assert not only().quarantined


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"website": "http://spam.example"}, "honeypot"),
        ({"started": ""}, "nostart"),
        ({"started": "12345:forged"}, "nostart"),
        ({"email": "bot@mailinator.com"}, "disposable"),
        ({"altcha": "bm90IGEgcHJvb2Y="}, "pow-malformed"),
    ],
)
def test_a_rule_quarantines_silently(change: dict[str, str], reason: str) -> None:
    make_statement()
    response = post({**sign_form("anna@example.org"), **change})
    assert response.status_code == 302 and response["Location"] == "/en/stop-the-war/thanks/"
    assert only().quarantined and reason in only().quarantine_reasons.split(",")


def test_a_form_sent_too_fast_is_quarantined() -> None:
    make_statement()
    post(sign_form("anna@example.org", seconds_ago=0))
    assert "fast" in only().quarantine_reasons


def test_an_old_cached_page_is_no_problem() -> None:
    # The page HTML (and its timestamp) is cached and shared: an old stamp is normal.
    make_statement()
    post(sign_form("anna@example.org", seconds_ago=3 * 86400))
    assert not only().quarantined


def test_the_honeypot_is_hidden_from_people_and_screen_readers() -> None:
    make_statement()
    body = Client().get("/en/stop-the-war/").content.decode()
    assert '<div class="hp" aria-hidden="true">' in body
    assert 'name="website"' in body and 'tabindex="-1"' in body and 'autocomplete="off"' in body
    assert 'name="started"' in body and 'name="altcha"' in body


def test_the_second_signature_within_a_minute_is_quarantined() -> None:
    make_statement()
    post(sign_form("anna@example.org"))
    post(sign_form("boris@example.org"))
    first, second = Signature.objects.order_by("pk")
    assert not first.quarantined
    assert "burst" in second.quarantine_reasons


def test_another_address_has_its_own_limit() -> None:
    make_statement()
    post(sign_form("anna@example.org"), address="198.51.100.7")
    post(sign_form("boris@example.org"), address="198.51.100.8")
    assert not Signature.objects.filter(quarantined=True).exists()


def test_ipv6_neighbours_in_one_64_share_a_limit() -> None:
    make_statement()
    post(sign_form("anna@example.org"), address="2001:db8::1")
    post(sign_form("boris@example.org"), address="2001:db8::2")
    assert Signature.objects.filter(quarantined=True).count() == 1


@override_settings(SIGN_BURST_LIMIT="1000/60", SIGN_NO_POW_PER_DAY=1000)
def test_the_sustained_limit_quarantines_the_sixth_in_five_minutes() -> None:
    make_statement()
    for i in range(7):
        post(sign_form(f"s{i}@example.org"))
    reasons = list(Signature.objects.order_by("pk").values_list("quarantine_reasons", flat=True))
    assert reasons == ["", "", "", "", "", "sustained", "sustained"]


@override_settings(**{**RELAXED, "SIGN_DOMAIN_LIMIT": "2/600"})
def test_a_busy_domain_is_quarantined_but_big_providers_are_not() -> None:
    make_statement()
    for i in range(3):
        post(sign_form(f"d{i}@small.example"), address=f"198.51.100.{i}")
        post(sign_form(f"g{i}@gmail.com"), address=f"198.51.100.{i}")
    flagged = Signature.objects.filter(quarantined=True).values_list(
        "quarantine_reasons", flat=True
    )
    assert list(flagged) == ["domain"]


@override_settings(**{**RELAXED, "SIGN_DOMAIN_LIMIT": "2/600"})
def test_a_busy_domain_is_named_for_moderators_once_it_goes_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.cache import cache

    make_statement()
    labels: list[str] = []
    real_set = cache.set

    def recording_set(key: str, value: object, *args: object, **kwargs: object) -> None:
        if key.startswith("domainlabel:"):
            labels.append(str(value))
        real_set(key, value, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "set", recording_set)
    for i in range(5):
        post(sign_form(f"d{i}@small.example"), address=f"198.51.100.{i}")
    # Written on the first submission over the limit, not again on every later one.
    assert labels == ["small.example"]
    digest = screening.domain_digest("small.example")
    assert cache.get(f"domainlabel:{digest}") == "small.example"


@override_settings(**{**RELAXED, "SIGN_NO_POW_PER_DAY": 2})
def test_without_proof_of_work_only_a_handful_a_day_go_unflagged() -> None:
    statement = make_statement()
    for i in range(4):
        post(sign_form(f"n{i}@example.org"))
    post(sign_form("js@example.org", altcha=proof(statement)))
    reasons = list(Signature.objects.order_by("pk").values_list("quarantine_reasons", flat=True))
    assert reasons == ["", "", "nopow", "nopow", ""]


def test_a_blocked_domain_address_and_range_are_quarantined() -> None:
    make_statement()
    BlockedSource.objects.create(kind="domain", value="blocked.example")
    BlockedSource.objects.create(kind="address", value=screening.address_digest("Eve@Example.org"))
    BlockedSource.objects.create(kind="network", value="192.0.2.0/24")
    forget_blocklist()
    post(sign_form("x@mail.blocked.example"), address="198.51.100.1")
    post(sign_form("eve@example.org"), address="198.51.100.2")
    post(sign_form("ok@example.org"), address="192.0.2.55")
    post(sign_form("fine@example.org"), address="198.51.100.4")
    flags = dict(Signature.objects.values_list("source_digest", "quarantine_reasons"))
    assert sorted(flags.values()) == ["", "blocked", "blocked", "blocked"]


def test_a_quarantined_signer_still_gets_a_confirmation_but_is_not_counted() -> None:
    statement = make_statement()
    post(sign_form("anna@example.org", website="bot"))
    deliver_all()
    assert len(mail.outbox) == 1
    signature = only()
    signature.confirm()
    signature.refresh_from_db()
    assert signature.status == "confirmed" and not signature.counted
    assert statement.counts()["counted"] == 0


def test_a_moderator_release_makes_a_confirmed_signature_count() -> None:
    statement = make_statement()
    post(sign_form("anna@example.org", website="bot"))
    signature = only()
    signature.confirm()
    signature.release()
    assert signature.counted and statement.counts()["counted"] == 1


def test_nothing_stored_holds_the_address_or_email() -> None:
    make_statement()
    post(sign_form("anna@example.org"), address="198.51.100.77")
    row = Signature.objects.values().get()
    stored = " ".join(str(v) for v in row.values())
    assert "198.51.100.77" not in stored and "example.org" not in stored
    assert len(row["source_digest"]) == 32 and len(row["domain_digest"]) == 32


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_limits_see_the_client_behind_a_trusted_proxy() -> None:
    make_statement()
    for i, client in enumerate(("198.51.100.1", "198.51.100.2")):
        Client().post(
            URL,
            sign_form(f"p{i}@example.org"),
            HTTP_ORIGIN="http://testserver",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=client,
        )
    assert not Signature.objects.filter(quarantined=True).exists()


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "0.0.0.0",  # noqa: S104
     "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "x",
     "2001:db8::1", "::ffff:10.0.0.1"],
)  # fmt: skip
def test_the_client_key_of_an_address_is_what_ipaddress_makes_of_it(address: str) -> None:
    import ipaddress

    from undersigned.public.screening import client_key

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        expected = address
    else:
        expected = str(ip) if ip.version == 4 else str(ipaddress.ip_network(f"{ip}/64", False))
    assert client_key(address) == expected


def test_a_render_time_follows_the_secret_key_and_its_fallbacks() -> None:
    """The signer is kept per key: a rotated key still reads forms rendered before the
    rotation (from SECRET_KEY_FALLBACKS), and a forged or foreign time reads as none."""
    with override_settings(SECRET_KEY="old-key-" * 6):
        token = screening.started_token(1000.0)
        assert screening._elapsed(token, 1010.0) == 10
    with override_settings(SECRET_KEY="new-key-" * 6, SECRET_KEY_FALLBACKS=["old-key-" * 6]):
        assert screening._elapsed(token, 1012.0) == 12
    with override_settings(SECRET_KEY="new-key-" * 6, SECRET_KEY_FALLBACKS=[]):
        assert screening._elapsed(token, 1012.0) is None
        assert screening._elapsed("1000:forged", 1012.0) is None
