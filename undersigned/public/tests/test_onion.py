from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from undersigned.public.onion import via_onion
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db
ONION = "undersignedexampleabcdefghijklmnopqrstuvwxyz234567abcdef.onion"


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
