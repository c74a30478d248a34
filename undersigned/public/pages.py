"""What the public views share: the statement as the public sees it, its counts, the
context of its page, and the organisations shown on it. Below views.py, organisations.py
and feeds.py, which all import it and none of each other."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undersigned.lib import tokens
from undersigned.public.forms import EndorseForm, SignForm
from undersigned.public.onion import via_onion
from undersigned.statements import caches
from undersigned.statements.counting import LISTED_Q
from undersigned.statements.models import Endorsement, Signature, Statement, paper_count

ORGANISATIONS_ON_PAGE = 100
# Loaded in this order before pow.js, so the fields are sealed before the proof is sent.
SEAL_SCRIPTS = [
    "undersigned/vendor/nacl-fast.min.js",
    "undersigned/vendor/blake2b.js",
    "undersigned/seal.js",
]
PUBLIC_CACHE = {"public": True, "max_age": 2, "stale_while_revalidate": 30}


def problem(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "public/problem.html", {"title": title, "message": message}, status=status
    )


def bad_link(request: HttpRequest) -> HttpResponse:
    match = request.resolver_match
    if tokens.well_formed(match.kwargs.get("token", "") if match else ""):
        # A whole link that matches nothing: it was real once, or never was.
        gone = _(
            "A link stops working when the signature or endorsement it belongs to is "
            "withdrawn or erased, and when it was never confirmed and has since been deleted."
        )
        return problem(request, _("This link does not work"), gone, 404)
    return problem(
        request,
        _("This link is not valid"),
        _("Please check that you copied the whole link from your email."),
        404,
    )


def _load_statement(slug: str) -> Statement:
    statement = get_object_or_404(Statement, slug=slug)
    statement.remember_texts()
    return statement


def public_statement(slug: str) -> Statement:
    """The statement with its current texts (caches.statement), or 404 if not public."""
    statement = caches.statement(slug, lambda: _load_statement(slug))
    if not statement.is_public:
        raise Http404
    return statement


def counts_for(statement: Statement) -> dict[str, int]:
    """Counts from the counter shards, cached for a second: never a count of rows."""
    return caches.counts(
        statement.pk, lambda: statement.counts() | {"paper": paper_count(statement)}
    )


# What the public outputs read; name, website and note only through Endorsement.public_*.
PUBLIC_FIELDS = ["name", "hidden", "country", "website", "kind", "note", "founding", "decided_at"]


def approved_organisations(statement: Statement) -> QuerySet[Endorsement]:
    """What the public may see: approved, and only once the statement itself is public."""
    if not statement.is_public:
        return Endorsement.objects.none()
    return (
        Endorsement.objects.filter(statement=statement, state=Endorsement.State.APPROVED)
        .select_related("statement")
        .only(*PUBLIC_FIELDS, "statement")
        .order_by("name", "pk")
    )


def by_country(endorsements: Iterable[Endorsement]) -> list[tuple[str, list[Endorsement]]]:
    """Group by country, countries in the reader's alphabetical order, founders first."""
    groups: dict[str, list[Endorsement]] = {}
    for endorsement in endorsements:
        groups.setdefault(endorsement.country.name, []).append(endorsement)
    for members in groups.values():
        members.sort(key=lambda e: (not e.founding, e.public_name.casefold()))
    return sorted(groups.items(), key=lambda item: item[0].casefold())


def statement_context(
    request: HttpRequest,
    statement: Statement,
    form: SignForm,
    page: int,
    endorse_form: EndorseForm | None = None,
) -> dict[str, object]:
    language = get_language()
    text = statement.text(language)
    counts = counts_for(statement)
    per_page = settings.SIGNERS_PER_PAGE
    signers = list(
        Signature.objects.filter(LISTED_Q, statement=statement)
        .order_by("-confirmed_at", "-id")
        .only("public_name", "public_city", "public_affiliation", "country", "visibility")[
            (page - 1) * per_page : page * per_page
        ]
    )
    pages = max(1, -(-counts["listed"] // per_page))
    progress = min(100, round(100 * counts["counted"] / statement.goal)) if statement.goal else None
    return {
        "statement": statement,
        "text": text,
        "counts": counts,
        "progress": progress,
        "signers": signers,
        "page": page,
        "pages": pages,
        "form": form,
        "accepting": statement.accepting_signatures() and bool(statement.public_key),
        "other_languages": [code for code in statement.languages if code != text.language],
        "endorse_form": endorse_form
        or EndorseForm(statement_id=statement.pk, onion=via_onion(request)),
        "organisations": by_country(approved_organisations(statement)[:ORGANISATIONS_ON_PAGE]),
        "onion_wait": settings.ONION_WAIT_SECONDS,
        "seal_scripts": SEAL_SCRIPTS,
    }
