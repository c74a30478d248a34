from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from undersigned.public.tests.signers import add_signatures
from undersigned.statements.models import Signature
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def names(html: str) -> list[str]:
    return re.findall(r'<span class="name">([^<]*)</span>', html)


def test_it_shows_each_signer_as_they_chose() -> None:
    statement = make_statement("stop-the-war")
    base = timezone.now() - dt.timedelta(hours=1)
    public, name_only, initials = (
        add_signatures(
            statement, 1, country="PL", visibility=v, name=n, when=base + dt.timedelta(minutes=i)
        )[0]
        for i, (v, n) in enumerate([(1, "Public"), (2, "Named"), (3, "N. O.")])
    )
    Signature.objects.filter(pk=public.pk).update(public_city="Kraków", public_affiliation="Uni")
    add_signatures(statement, 5, country="UA", visibility=4, when=base)
    html = Client().get("/en/stop-the-war/signers/").content.decode()
    assert names(html) == ["N. O. 0", "Named 0", "Public 0"]
    assert (
        '<span class="name">Public 0</span>, <span class="aff">Uni</span>, Kraków '
        '<span class="country">(Poland)</span>' in html
    )
    assert '<span class="name">Named 0</span></li>' in html  # no country for "name only"
    assert '<span class="name">N. O. 0</span> <span class="country">(Poland)</span>' in html


def test_it_pages_by_keyset(settings: object) -> None:
    settings.SIGNERS_PER_PAGE = 2  # type: ignore[attr-defined]
    statement = make_statement("stop-the-war")
    base = timezone.now() - dt.timedelta(hours=1)
    for i in range(5):
        add_signatures(
            statement,
            1,
            country="UA",
            visibility=2,
            name=f"P{i}",
            when=base + dt.timedelta(minutes=i),
        )
    seen: list[str] = []
    url = "/en/stop-the-war/signers/"
    for _ in range(3):
        html = Client().get(url).content.decode()
        seen += names(html)
        found = re.search(r'href="\?after=([^"]+)" rel="next"', html)
        if not found:
            break
        url = f"/en/stop-the-war/signers/?after={found.group(1)}"
    assert seen == ["P4 0", "P3 0", "P2 0", "P1 0", "P0 0"]
    assert 'rel="next"' not in html


def test_a_forged_cursor_is_refused() -> None:
    make_statement("stop-the-war")
    for after in ("abc", "A" * 300):
        assert Client().get("/en/stop-the-war/signers/", {"after": after}).status_code == 400


def test_a_draft_has_no_signer_list() -> None:
    make_statement("a-draft", state="draft")
    assert Client().get("/en/a-draft/signers/").status_code == 404
