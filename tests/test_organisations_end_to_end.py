"""End to end through the real server, worker and SMTP: an organisation endorses, its contact
confirms, a moderator (password + TOTP) approves one and rejects another, and the audit log
holds each act."""

from __future__ import annotations

import base64
import html
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from http.cookiejar import CookieJar

import feedparser
import pytest
from django_otp.oath import TOTP

from undersigned.test import LiveSite, Mailbox, endorse_form

pytestmark = pytest.mark.slow
SLUG = "solidarity-against-war"


class Browser:
    """Cookies, CSRF tokens and the Origin header a browser would send; no redirects followed."""

    def __init__(self, site: LiveSite) -> None:
        self.site = site
        self.jar = CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.site.url + path, data=body)  # noqa: S310 (loopback)
        if body is not None:
            req.add_header("Origin", self.site.url)
        try:
            with self.opener.open(req, timeout=20) as response:
                return (
                    response.status,
                    response.read().decode(),
                    response.headers.get("Location", ""),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")

    def get(self, path: str) -> str:
        status, text, _location = self.request(path)
        assert status == 200, (path, status, text[:500])
        return text

    def post_form(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        """Post DATA with the CSRF token from the form at PATH."""
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return self.request(path, {**data, "csrfmiddlewaretoken": token.group(1) if token else ""})


def totp(secret_b32: str, offset: float = 0) -> str:
    totp = TOTP(base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8)), digits=6)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def enrol(site: LiveSite, email: str, *, moderator: bool) -> tuple[str, str]:
    """Create a staff account with the CLI, set up its second factor: (password, secret)."""
    out = site.cli("createorganiser", email, *(["--moderator"] if moderator else []))
    password = out.split("):", 1)[1].strip()
    browser = Browser(site)
    status, _text, location = browser.post_form(
        "/control/login/", {"username": email, "password": password, "otp_token": ""}
    )
    assert status == 302, _text[:800]
    page = html.unescape(browser.get("/control/two-factor/"))
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    status, _text, _location = browser.post_form("/control/two-factor/", {"token": totp(secret)})
    assert status == 302
    return password, secret


def log_in(site: LiveSite, email: str, password: str, secret: str) -> Browser:
    browser = Browser(site)
    # A wrong code first: the login must refuse a password alone.
    status, _text, _ = browser.post_form(
        "/control/login/", {"username": email, "password": password, "otp_token": ""}
    )
    assert status == 400
    status, text, location = browser.post_form(
        "/control/login/",
        {"username": email, "password": password, "otp_token": totp(secret, offset=30)},
    )
    assert status == 302, text[:800]
    return browser


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def endorse(site: LiveSite, mailbox: Mailbox, name: str, host: str, language: str = "en") -> None:
    public = Browser(site)
    status, text, location = public.request(
        f"/{language}/{SLUG}/endorse/",
        endorse_form(
            name=name,
            website=f"https://{host}/",
            contact_name="Olena",
            contact_email=f"contact@{host}",
        ),
    )
    assert status == 302 and location == f"/{language}/{SLUG}/thanks/?organisation=1", text[:800]
    message = mailbox.wait_for(f"contact@{host}")[0]
    link = re.search(r"http://\S+/endorsement/[A-Za-z0-9_-]{32}/", text_of(message)).group(0)
    path = link.removeprefix(site.url)
    assert "<button" in public.get(path)
    status, text, _ = public.request(path, {})
    assert status == 200, text[:500]
    assert not public.jar, "public pages must not set cookies"


def pk_of(browser: Browser, name: str) -> str:
    queue = browser.get("/control/endorsements/")
    return re.search(rf'href="/control/endorsements/(\d+)/">{re.escape(name)}<', queue).group(1)


def wait_for_text(browser: Browser, path: str, needle: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = browser.get(path)
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared at {path}")


def test_an_organisation_endorses_is_approved_and_another_is_rejected(
    live_site: LiveSite, mailbox: Mailbox
) -> None:
    site = live_site
    moderator_password, moderator_secret = enrol(site, "max@example.org", moderator=True)
    organiser_password, organiser_secret = enrol(site, "olga@example.org", moderator=False)

    endorse(site, mailbox, "Free Union of Kyiv", "union.example.org")
    moderator = log_in(site, "max@example.org", moderator_password, moderator_secret)
    assert "domain matches" in moderator.get("/control/endorsements/")
    pk = pk_of(moderator, "Free Union of Kyiv")
    status, _text, _ = moderator.post_form(
        f"/control/endorsements/{pk}/", {"action": "approve", "reason": ""}
    )
    assert status == 302
    approved = mailbox.wait_for("contact@union.example.org", count=2)[1]
    assert "approved" in text_of(approved)

    public = Browser(site)
    wait_for_text(public, f"/en/{SLUG}/organisations/", "Free Union of Kyiv")
    wait_for_text(public, f"/en/{SLUG}/", "Free Union of Kyiv")
    feed = feedparser.parse(public.get(f"/en/{SLUG}/organisations/feed/"))
    assert not feed.bozo and [e.title for e in feed.entries] == ["Free Union of Kyiv (Ukraine)"]

    endorse(site, mailbox, "Suspicious Front", "front.example.net", language="uk")
    pk = pk_of(moderator, "Suspicious Front")
    reason = "Ми не змогли перевірити, що ця організація існує."
    status, _text, _ = moderator.post_form(
        f"/control/endorsements/{pk}/", {"action": "reject", "reason": reason}
    )
    assert status == 302
    rejected = mailbox.wait_for("contact@front.example.net", count=2)[1]
    assert reason in text_of(rejected)
    assert rejected["Content-Language"] == "uk"
    assert "Suspicious Front" not in public.get(f"/en/{SLUG}/organisations/")

    # Moderators cannot read the audit log; organisers can, and it has every act.
    assert moderator.request("/control/audit/")[0] == 403
    organiser = log_in(site, "olga@example.org", organiser_password, organiser_secret)
    audit = html.unescape(organiser.get("/control/audit/"))
    for act in ("Approved", "Rejected", "Logged in", "Failed login", "Set up two-factor"):
        assert act in audit, act
    assert "Free Union of Kyiv (UA)" in audit and reason in audit
