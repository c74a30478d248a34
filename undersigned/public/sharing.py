"""Passing a statement on: the share image, the share links and the Mastodon hand-off.

The links are plain links to each service's own share address: nothing is loaded from
another site until the reader follows one (P6), and they work without JavaScript (P7);
share.js only adds the browser's own share sheet and a copy button where it has them.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from undersigned.lib import shareimage
from undersigned.public import aggregates
from undersigned.public.pages import counts_for, public_statement
from undersigned.public.wording import signatures
from undersigned.statements import caches
from undersigned.statements.models import Statement

# Re-drawn at most this often: a surge must not draw one per view.
SHARE_IMAGE_SECONDS = 300
HOSTNAME_RE = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"
)


def statement_url(statement: Statement, language: str) -> str:
    return f"{settings.SITE_URL}/{language}/{statement.slug}/"


def links(url: str, title: str) -> list[tuple[str, str]]:
    """(service, share address) for each service with a plain share link."""
    text = f"{title} {url}"
    return [
        ("Telegram", "https://t.me/share/url?" + urlencode({"url": url, "text": title})),
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": text})),
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": text})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": title, "url": url})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("VK", "https://vk.com/share.php?" + urlencode({"url": url, "title": title})),
    ]


def email_link(url: str, title: str) -> str:
    body = title + "\n\n" + url
    return f"mailto:?subject={quote(title)}&body={quote(body)}"


def mastodon_address(instance: str, url: str, title: str) -> str | None:
    """The share address on INSTANCE (a bare host name), or None if it is not one."""
    host = instance.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
    host = host.split("@")[-1]  # "@me@social.example" → the server part
    if not HOSTNAME_RE.fullmatch(host):
        return None
    return f"https://{host}/share?" + urlencode({"text": f"{title} {url}"})


@require_safe
@cache_control(public=True, max_age=SHARE_IMAGE_SECONDS)
def share_png(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    language = get_language()
    png = caches.public_output(
        "share-png",
        statement.pk,
        language,
        seconds=SHARE_IMAGE_SECONDS,
        render=lambda: shareimage.render(card(statement, language)),
    )
    return HttpResponse(png, content_type="image/png")


def card(statement: Statement, language: str) -> shareimage.Card:
    """What the share image says, in LANGUAGE (the current one), from published figures."""
    confirmed = aggregates.headline(statement, counts_for(statement))["confirmed"]
    host = settings.SITE_URL.split("://", 1)[-1]
    return shareimage.Card(
        title=statement.text(language).title,
        count=signatures(confirmed),
        site=f"{settings.SITE_NAME} · {host}",
        progress=aggregates.progress(statement, confirmed),
    )


@require_safe
def mastodon(request: HttpRequest, slug: str) -> HttpResponse:
    """The reader's own Mastodon server, asked for in a tiny form, then a link to it (a
    redirect would be blocked by form-action 'self')."""
    statement = public_statement(slug)
    language = get_language()
    instance = request.GET.get("instance", "")
    title = statement.text(language).title
    address = mastodon_address(instance, statement_url(statement, language), title)
    context = {"statement": statement, "title": title, "instance": instance, "address": address}
    status = 400 if instance and address is None else 200
    return render(request, "public/share_mastodon.html", context, status=status)
