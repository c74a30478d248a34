from __future__ import annotations

import base64
import time
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from undersigned.statements.models import AuditEntry
from undersigned.statements.roles import MODERATORS
from undersigned.test import PASSWORD, make_user, staff_client, totp_code, totp_device

pytestmark = pytest.mark.django_db
URL = "/control/login/"


def login(client: Client, username: str, password: str = PASSWORD, code: str = "") -> object:
    data = {
        "username": username,
        "password": password,
        "otp_token": code,
        "next": "/control/audit/",
    }
    return client.post(URL, data)


def test_the_login_page_renders() -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    assert 'name="otp_token"' in response.content.decode()


def test_staff_need_the_password_and_the_current_code() -> None:
    user = make_user("max", MODERATORS)
    device = totp_device(user)
    client = Client()
    assert login(client, user.username).status_code == 400
    assert login(client, user.username, code="000000").status_code == 400
    # django-otp throttles a device after a wrong code; the next try comes a little later.
    with time_machine.travel(time.time() + 60, tick=False):
        response = login(Client(), user.username, code=totp_code(device))
    assert response.status_code == 302 and response["Location"] == "/control/audit/"
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "failed_login",
        "failed_login",
        "login",
    ]


def test_a_wrong_password_fails_even_with_the_right_code() -> None:
    user = make_user("max", MODERATORS)
    device = totp_device(user)
    response = login(Client(), user.username, password="wrong password 12", code=totp_code(device))
    assert response.status_code == 400
    assert "Please enter a correct" in response.content.decode()


def test_first_login_leads_to_the_two_factor_setup() -> None:
    user = make_user("max", MODERATORS)
    client = Client()
    assert login(client, user.username).status_code == 302
    assert client.get("/control/endorsements/")["Location"] == "/control/two-factor/"
    page = client.get("/control/two-factor/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "otpauth://totp/" in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # The key as text too, for a person who types it into an app: base32 in groups of four.
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert f'<code id="totp-secret" class="secret">{grouped}</code>' in html
    assert client.post("/control/two-factor/", {"token": "123"}).status_code == 400
    with time_machine.travel(time.time() + 60, tick=False):
        response = client.post("/control/two-factor/", {"token": totp_code(device)})
        assert response.status_code == 302
        assert client.get("/control/endorsements/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(actor=user, action="two_factor").exists()


def test_failed_logins_are_rate_limited_per_account_and_client() -> None:
    user = make_user("max", MODERATORS)
    device = totp_device(user)
    client = Client()
    for _ in range(5):
        assert login(client, user.username, password="guess guess guess").status_code == 400
    response = login(client, user.username, code=totp_code(device))
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    # Another client is not locked out of the same account.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert (
        login(other, user.username, code=totp_code(device, at=time.time() + 30)).status_code == 302
    )


def test_the_rate_limit_keys_hold_no_username_or_address() -> None:
    from django.test import RequestFactory

    from undersigned.control import throttle
    from undersigned.statements import limits

    make_user("max", MODERATORS)
    login(Client(), "max@example.org", password="guess guess guess")
    request = RequestFactory().post(URL)
    pairs = [*throttle._keys(request, "max@example.org"), throttle._account_key("max@example.org")]
    assert limits.peek(pairs) == [1, 1, 1]
    for limit, subject in pairs:
        key = limit.key(subject, time.time())
        assert "max" not in key and "127.0.0" not in key


def test_a_failed_login_for_an_unknown_name_keeps_the_typed_text_out_of_the_log() -> None:
    login(Client(), "my secret password typed in the wrong box")
    entry = AuditEntry.objects.get(action="failed_login")
    assert entry.actor is None and entry.actor_label == ""
    assert "secret" not in entry.reason


def test_logins_never_redirect_to_another_site() -> None:
    user = make_user("max", MODERATORS)
    device = totp_device(user)
    response = Client().post(
        URL,
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_token": totp_code(device),
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/control/"


def test_staff_sessions_expire() -> None:
    client = staff_client(make_user("max", MODERATORS))
    client.get("/control/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert client.session.get_expire_at_browser_close()


def test_logout_is_a_post_and_is_recorded() -> None:
    user = make_user("max", MODERATORS)
    client = staff_client(user)
    assert client.post("/control/logout/").status_code == 302
    assert client.get("/control/").status_code == 302
    assert AuditEntry.objects.filter(actor=user, action="logout").exists()


def test_weak_passwords_are_refused_and_strong_ones_recorded() -> None:
    user = make_user("max", MODERATORS)
    client = staff_client(user)
    weak = {
        "old_password": PASSWORD,
        "new_password1": "password123",
        "new_password2": "password123",
    }
    response = client.post("/control/password/", weak)
    assert response.status_code == 200
    assert "too short" in response.content.decode() or "too common" in response.content.decode()
    strong = "a much longer phrase nobody guesses 7"
    response = client.post(
        "/control/password/",
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(actor=user, action="password").exists()


def test_the_admin_needs_the_second_factor_too() -> None:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", PASSWORD
    )
    password_only = Client()
    password_only.force_login(admin)
    response = password_only.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = password_only.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/control/login/")
    assert staff_client(admin).get("/admin/").status_code == 200


def test_staff_pages_send_a_referrer_policy_chromium_logs_in_with() -> None:
    """no-referrer makes Chromium post "Origin: null", which Django's CSRF check refuses;
    same-origin sends the origin to the site itself and nothing to other sites."""
    response = Client().get(URL)
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()


def test_a_nul_byte_in_the_name_is_a_failed_login_not_a_server_error() -> None:
    """PostgreSQL refuses text with NUL (psycopg.DataError, a 500): no query may carry one."""
    make_user("max", MODERATORS)
    sent: list[object] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.extend(params or ())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        response = login(Client(), "max\x00@example.org")
    assert response.status_code == 400
    assert not [p for p in sent if isinstance(p, str) and "\x00" in p]
    entry = AuditEntry.objects.get()
    assert entry.action == "failed_login" and entry.actor is None
