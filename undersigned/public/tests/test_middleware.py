"""Staff machinery (sessions, log-in, OTP, messages) runs for staff paths only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from undersigned.public import middleware
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_a_public_request_gets_no_session_user_or_messages() -> None:
    make_statement()
    for path in ("/en/stop-the-war/", "/count/stop-the-war.json", "/healthz"):
        response = Client().get(path)
        assert response.status_code == 200, path
        request = response.wsgi_request
        assert not hasattr(request, "session"), path
        assert not hasattr(request, "user"), path
        assert not hasattr(request, "_messages"), path
        assert not response.cookies, path


@pytest.mark.parametrize(("path", "status"), [("/control/login/", 200), ("/admin/", 302)])
def test_a_staff_request_gets_all_of_them(path: str, status: int) -> None:
    response = Client().get(path)  # the admin sends staff to the control site's log-in
    assert response.status_code == status
    request = response.wsgi_request
    assert request.user.is_anonymous
    assert hasattr(request, "session") and hasattr(request, "_messages")
    assert request.user.is_verified() is False  # django-otp's wrapper is on the user


def test_a_staff_middleware_with_a_view_hook_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class WithViewHook:
        def __init__(self, get_response: Any) -> None:
            self.get_response = get_response

        def __call__(self, request: HttpRequest) -> HttpResponse:
            return self.get_response(request)

        def process_view(self, *args: Any) -> None:
            return None

    monkeypatch.setattr(middleware, "import_string", lambda dotted: WithViewHook)
    with pytest.raises(ImproperlyConfigured, match="process_view"):
        middleware.StaffOnlyMiddleware(lambda request: HttpResponse())


@pytest.mark.parametrize("cookie", ["x", "!" * 32, "a" * 200, ""])
def test_a_malformed_csrf_cookie_gets_no_cookie_back_on_a_public_page(cookie: str) -> None:
    make_statement()
    client = Client()
    client.cookies["csrftoken"] = cookie
    for path in ("/en/stop-the-war/", "/en/", "/count/stop-the-war.json"):
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert not response.cookies, (path, response.cookies)
        assert "Set-Cookie" not in response.headers, path


def test_a_public_response_that_sets_a_cookie_loses_it() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("ok", headers={"Cache-Control": "public, max-age=60"})
        response.set_cookie("tracker", "1")
        return response

    guard = middleware.SecurityHeadersMiddleware(view)
    factory = RequestFactory()
    assert not guard(factory.get("/en/stop-the-war/")).cookies
    assert guard(factory.get("/control/login/")).cookies["tracker"].value == "1"


def test_a_staff_page_still_gets_its_csrf_cookie() -> None:
    response = Client().get("/control/login/")
    assert response.cookies["csrftoken"].value
