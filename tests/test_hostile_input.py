"""Hostile input: at least 10,000 generated requests against the public forms and links,
and not one server error (issue 14's fuzz suite, run on each database of the suite).

Hypothesis builds each request: the method, a path from the public URL patterns with
real and hostile parts (languages, slugs, link tokens), a query string, form fields with
any text (control characters, NUL, other scripts, very long), and headers an attacker
chooses (Origin, Accept-Language, Cookie, Sec-Fetch-Site). The Django test client runs
them in process; every answer must be below 500. The staff pages are left to their own
tests.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undersigned.lib import tokens
from undersigned.statements.models import Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

REQUESTS = int(os.environ.get("HOSTILE_REQUESTS", "10000"))
PER_EXAMPLE = 25
SLUG = "stop-the-war"

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=100),
    st.sampled_from(["\x00", "a\x00b", "' OR 1=1 --", "<script>x</script>", "%00", "../../"]),
    st.just("x" * 5000),
)
segment = st.one_of(
    st.sampled_from([SLUG, "nope", "", "-", "a" * 300]),
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=20),
)
token = st.one_of(
    st.from_regex(tokens.TOKEN_RE, fullmatch=True),
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=64),
)
# A WSGI server hands headers over as Latin-1 (PEP 3333): nothing above U+00FF can arrive.
header_text = st.text(alphabet=st.characters(max_codepoint=255), max_size=80)
language = st.sampled_from(["en", "uk", "ru", "de", "xx"])
FIELDS = [
    "name", "email", "country", "city", "affiliation", "visibility", "website", "started",
    "altcha", "consent", "action", "organisation", "contact_name", "contact_email", "kind",
    "url", "q", "page",
]  # fmt: skip


@st.composite
def paths(draw: Any) -> str:
    lang, slug, link = draw(language), draw(segment), draw(token)
    return draw(
        st.sampled_from(
            [
                f"/{lang}/{slug}/",
                f"/{lang}/{slug}/sign/",
                f"/{lang}/{slug}/thanks/",
                f"/{lang}/{slug}/endorse/",
                f"/{lang}/{slug}/organisations/",
                f"/{lang}/confirm/{link}/",
                f"/{lang}/manage/{link}/",
                f"/{lang}/endorsement/{link}/",
                f"/{lang}/invite/{link}/",
                f"/count/{slug}.json",
                f"/pow/{slug}.json",
                f"/{lang}/",
                "/",
            ]
        )
    )


@st.composite
def requests(draw: Any) -> tuple[str, str, dict[str, str], dict[str, str]]:
    method = draw(st.sampled_from(["GET", "POST", "POST", "HEAD", "PUT", "OPTIONS"]))
    path = draw(paths())
    query = draw(st.dictionaries(st.sampled_from(FIELDS), hostile_text, max_size=3))
    if query:
        path += "?" + urlencode(query)
    form = draw(st.dictionaries(st.sampled_from(FIELDS), hostile_text, max_size=8))
    headers = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "HTTP_ORIGIN": st.sampled_from(
                    ["http://testserver", "https://evil.example", "null"]
                ),
                "HTTP_ACCEPT_LANGUAGE": header_text,
                "HTTP_COOKIE": header_text,
                "HTTP_SEC_FETCH_SITE": st.sampled_from(["same-origin", "cross-site", "none"]),
                "HTTP_REFERER": header_text,
            },
        )
    )
    return method, path, form, headers


def send(
    client: Client, method: str, path: str, form: dict[str, str], headers: dict[str, str]
) -> int:
    if method == "POST":
        response = client.post(path, form, **headers)
    else:
        response = client.generic(method, path, **headers)
    return int(response.status_code)


def test_generated_requests_get_no_server_error(capsys: pytest.CaptureFixture[str]) -> None:
    statement = make_statement()
    for n in range(3):  # real links to find among the generated ones
        Signature.sign(
            statement, language="en", name="A", email=f"real{n}@example.org", country="UA"
        )
    client = Client(raise_request_exception=False)
    seen: list[int] = []
    errors: list[tuple[str, str, int]] = []
    started = time.monotonic()

    @settings(
        max_examples=REQUESTS // PER_EXAMPLE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(requests(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def batch(generated: list[tuple[str, str, dict[str, str], dict[str, str]]]) -> None:
        for method, path, form, headers in generated:
            status = send(client, method, path, form, headers)
            seen.append(status)
            if status >= 500:
                errors.append((method, path[:120], status))

    batch()
    seconds = time.monotonic() - started
    by_status = {s: seen.count(s) for s in sorted(set(seen))}
    with capsys.disabled():
        print(
            f"\nhostile input: "
            f"{len(seen)} requests in {seconds:.0f} s, {len(errors)} server errors, {by_status}"
        )
    assert len(seen) >= REQUESTS
    assert errors == []
