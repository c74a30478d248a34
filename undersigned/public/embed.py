"""What other sites may show of a statement: a small page to frame, and a count badge.

Only /embed/ may be framed by any site (P6 keeps every other page at frame-ancestors
'none'); both answers are cached for a few seconds, show only published figures (P9) and
need no JavaScript (P7).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from undersigned.public import aggregates
from undersigned.public.middleware import EMBED_CSP
from undersigned.public.pages import counts_for, public_statement
from undersigned.public.wording import signatures
from undersigned.statements import caches
from undersigned.statements.models import Statement

EMBED_CACHE_SECONDS = 5


def _language(request: HttpRequest, statement: Statement) -> str:
    """?lang= when the statement has that language, else its primary language: the answer
    depends on the URL alone, so every cache can keep it."""
    wanted = request.GET.get("lang", "")
    return wanted if wanted in statement.languages else statement.primary_language


def _cross_origin(response: HttpResponse) -> HttpResponse:
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
@xframe_options_exempt
@cache_control(public=True, max_age=30)
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    language = _language(request, statement)

    def render_page() -> bytes:
        with translation.override(language):
            text = statement.text(language)
            confirmed = aggregates.headline(statement, counts_for(statement))["confirmed"]
            context = {
                "statement": statement,
                "text": text,
                "language": language,
                "confirmed": confirmed,
                "progress": aggregates.progress(statement, confirmed),
                "statement_url": f"{settings.SITE_URL}/{language}/{statement.slug}/",
            }
            return render(request, "public/embed.html", context).content

    body = caches.public_output(
        "embed", statement.pk, language, seconds=EMBED_CACHE_SECONDS, render=render_page
    )
    response = HttpResponse(body)
    # Any site may frame this page, and only this one (the middleware keeps 'none' elsewhere).
    response["Content-Security-Policy"] = EMBED_CSP
    return _cross_origin(response)


def _text_width(text: str) -> int:
    """About how wide TEXT is in 11 px Verdana-like type: wide enough, never clipped."""
    return 10 + sum(8 if c.isupper() or c.isdigit() else 7 for c in text)


def badge_svg(label: str, value: str) -> str:
    left, right = _text_width(label), _text_width(value)
    width = left + right
    label, value = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label}: {value}"><title>{label}: {value}</title>'
        f'<rect width="{left}" height="20" fill="#3c4650"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="#1d3557"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,Noto Sans,sans-serif" '
        'font-size="11" text-anchor="middle">'
        f'<text x="{left / 2}" y="14">{label}</text>'
        f'<text x="{left + right / 2}" y="14">{value}</text></g></svg>'
    )


@require_safe
@cache_control(public=True, max_age=60)
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    statement = public_statement(slug)
    language = _language(request, statement)

    def render_badge() -> str:
        with translation.override(language):
            confirmed = aggregates.headline(statement, counts_for(statement))["confirmed"]
            label = statement.text(language).title
            if len(label) > 40:
                label = label[:39] + "…"
            return badge_svg(label, signatures(confirmed))

    svg = caches.public_output(
        "badge", statement.pk, language, seconds=EMBED_CACHE_SECONDS, render=render_badge
    )
    return _cross_origin(HttpResponse(svg, content_type="image/svg+xml; charset=utf-8"))
