from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
import time_machine
from django.test import Client, RequestFactory

from undersigned.lib.proofofwork import solve
from undersigned.public.onion import via_onion
from undersigned.public.screening import wait_token
from undersigned.statements.models import Endorsement, Signature, Statement
from undersigned.test import make_statement, proof, sign_form

pytestmark = pytest.mark.django_db
ONION = "undersignedexampleabcdefghijklmnopqrstuvwxyz234567abcdef.onion"
WAIT = re.compile(r'name="(?:org-)?wait" value="([^"]+)"')


@pytest.fixture
def onion(settings: Any) -> Any:
    settings.ONION_ADDRESS = ONION
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ONION]
    return settings


def test_public_pages_name_the_onion_address(onion: Any) -> None:
    make_statement()
    response = Client().get("/en/stop-the-war/?x=1")
    assert response["Onion-Location"] == f"http://{ONION}/en/stop-the-war/?x=1"
    assert "Onion-Location" not in Client().get("/control/login/")


def test_without_an_onion_address_there_is_no_header() -> None:
    make_statement()
    assert "Onion-Location" not in Client().get("/en/stop-the-war/")


def test_only_the_onion_listener_marks_a_request_as_onion(onion: Any) -> None:
    factory = RequestFactory()
    # On the ordinary listener, saying the onion address as the host changes nothing.
    assert not via_onion(factory.get("/", HTTP_HOST=ONION))
    onion.ONION_LISTENER = True
    assert via_onion(factory.get("/", HTTP_HOST=ONION))
    assert via_onion(factory.get("/", HTTP_HOST=f"{ONION.upper()}:80"))
    assert not via_onion(factory.get("/", HTTP_HOST="127.0.0.1:8081"))
    make_statement()
    # Through the onion service the page does not point to itself.
    response = Client(HTTP_HOST=ONION).get("/en/stop-the-war/")
    assert response.status_code == 200 and "Onion-Location" not in response


# Signing through the onion service (issue 19): proof-of-work or a waiting step admits a
# signer; the address limits, which would count every Tor user as one, do not apply.

SIGN = "/en/stop-the-war/sign/"
TOR = "127.0.0.1"  # where every request through tor comes from


@pytest.fixture
def listener(onion: Any) -> Any:
    onion.ONION_LISTENER = True
    onion.ONION_POW_MAX_NUMBER = 300  # the mechanism, not the difficulty, is under test
    return onion


def onion_post(data: dict[str, str]) -> Any:
    return Client().post(
        SIGN, data, HTTP_HOST=ONION, HTTP_ORIGIN=f"http://{ONION}", REMOTE_ADDR=TOR
    )


def onion_proof() -> str:
    challenge = Client().get("/pow/stop-the-war.json", HTTP_HOST=ONION).json()
    assert challenge["maxNumber"] == 300
    return solve(challenge)


def reasons() -> list[str]:
    return list(Signature.objects.order_by("pk").values_list("quarantine_reasons", flat=True))


def one_of_fifty(n: int, **fields: str) -> dict[str, str]:
    # Fifty different mail domains, so the per-domain limit is not what is measured.
    return sign_form(f"signer{n}@mail{n}.example.net", **fields)


def test_fifty_signers_with_proof_of_work_in_a_minute_are_all_counted(listener: Any) -> None:
    statement = make_statement()
    with time_machine.travel(dt.datetime(2026, 12, 2, 11, 0, 5, tzinfo=dt.UTC), tick=False):
        for n in range(50):
            assert onion_post(one_of_fifty(n, altcha=onion_proof())).status_code == 302
    assert reasons() == [""] * 50
    for signature in Signature.objects.all():
        signature.confirm()
    assert statement.counts()["counted"] == 50


def test_fifty_without_proof_or_waiting_step_are_all_quarantined(listener: Any) -> None:
    make_statement()
    for n in range(50):
        assert onion_post(one_of_fifty(n)).status_code == 302
    assert reasons() == ["onion-unproven"] * 50


def test_the_ordinary_listener_keeps_its_address_limits(onion: Any) -> None:
    # The same fifty, with proofs, from one address on the ordinary listener: as before,
    # one a minute per address (and saying the onion host changes nothing there).
    make_statement()
    # Frozen inside one minute: the limits count in fixed windows.
    with time_machine.travel(dt.datetime(2026, 12, 2, 11, 0, 5, tzinfo=dt.UTC), tick=False):
        send_fifty_from_one_address()
    found = reasons()
    assert found[0] == "" and all("burst" in r for r in found[1:])


def send_fifty_from_one_address() -> None:
    for n in range(50):
        challenge = Client().get("/pow/stop-the-war.json").json()
        assert challenge["maxNumber"] == 100_000 and "o=1" not in challenge["salt"]
        data = one_of_fifty(n, altcha=proof(Statement.objects.get()))
        Client().post(SIGN, data, HTTP_HOST=ONION, HTTP_ORIGIN=f"http://{ONION}", REMOTE_ADDR=TOR)


def test_an_ordinary_proof_does_not_admit_through_the_onion_service(listener: Any) -> None:
    statement = make_statement()
    onion_post(one_of_fifty(1, altcha=proof(statement)))
    assert reasons() == ["onion-unproven"]


def test_without_javascript_the_time_locked_form_admits_after_its_wait(listener: Any) -> None:
    statement = make_statement()
    page = Client().get("/en/stop-the-war/", HTTP_HOST=ONION)
    assert set(page["Cache-Control"].split(", ")) == {"private", "no-store"}
    tokens = WAIT.findall(page.content.decode())
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # the sign and endorse forms
    assert "send this form at least 20 seconds after" in page.content.decode()
    again = WAIT.findall(Client().get("/en/stop-the-war/", HTTP_HOST=ONION).content.decode())
    assert not set(again) & set(tokens)  # each visitor gets their own
    early = wait_token(statement.pk, time.time() - 5)
    ready = wait_token(statement.pk, time.time() - 25)
    onion_post(one_of_fifty(1, wait=early))
    onion_post(one_of_fifty(2, wait=ready))
    onion_post(one_of_fifty(3, wait=ready))
    onion_post(one_of_fifty(4, wait="7.1.forged.token"))
    assert reasons() == ["wait-early", "", "wait-replay", "wait-invalid"]


def test_the_ordinary_page_has_no_time_lock_and_stays_cacheable() -> None:
    make_statement()
    page = Client().get("/en/stop-the-war/")
    assert not WAIT.findall(page.content.decode())
    assert "send this form at least" not in page.content.decode()
    assert "public" in page["Cache-Control"]


def test_the_ceilings_protect_the_count_from_a_flood_through_tor(listener: Any) -> None:
    listener.ONION_SIGN_LIMITS = ["5/60", "100/3600"]
    make_statement()
    for n in range(7):
        onion_post(one_of_fifty(n, altcha=onion_proof()))
    assert reasons() == [""] * 5 + ["onion-minute"] * 2


def test_endorsing_through_the_onion_service_is_admitted_the_same_way(listener: Any) -> None:
    statement = make_statement()
    form = {
        "org-name": "Tor Union",
        "org-country": "RU",
        "org-website": "https://tor-union.example.org/",
        "org-kind": "union",
        "org-contact_name": "Pavel",
        "org-contact_email": "pavel@tor-union.example.org",
        "org-started": sign_form("x@example.org", seconds_ago=60)["started"],
    }
    endorse = "/en/stop-the-war/endorse/"
    headers = {"HTTP_HOST": ONION, "HTTP_ORIGIN": f"http://{ONION}", "REMOTE_ADDR": TOR}
    Client().post(endorse, form, **headers)
    ready = wait_token(statement.pk, time.time() - 25)
    Client().post(endorse, {**form, "org-name": "Patient Union", "org-wait": ready}, **headers)
    found = dict(Endorsement.objects.values_list("name", "quarantine_reasons"))
    assert found == {"Tor Union": "onion-unproven", "Patient Union": ""}
