"""The delivery package of a statement: what goes in it, as files, in the active language.

The organisers' `package` command adds the signers it decrypted on their own machine; the
public package (a closed statement's page) has organisations and counts only. Every count
follows the small-number rule (SUPPRESS_BELOW, lib/suppression.py). The files are written
here; lib/manifest.py hashes, signs and zips them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries
from nacl.signing import SigningKey
from openpyxl import Workbook

from undersigned.lib import deliverypdf, exports, manifest
from undersigned.lib.suppression import Figure, breakdown, public_count
from undersigned.statements.models import (
    Endorsement,
    PaperSignature,
    Signature,
    Statement,
    StatementVersion,
    paper_count,
)

Progress = Callable[[Sequence[Sequence[str]]], Iterable[Sequence[str]]]
SIGNER_COLUMNS = exports.TARGET_COLUMNS  # name, country, city, affiliation
HOW_TO_CHECK = "how-to-check.txt"


@dataclass
class Signers:
    """What the organisers' key opened: each signer as they chose to be shown."""

    rows: list[dict[str, str]] = field(default_factory=list)
    hidden: int = 0


def labels() -> dict[str, str]:
    return {
        "counts": _("Counts"),
        "figure": _("Figure"),
        "count": _("Count"),
        "by_country": _("Signers by country"),
        "by_version": _("Signers by version of the text"),
        "version_read": _("Version they read"),
        "small_numbers": _(
            "Counts below %(n)s are shown as “fewer than %(n)s”. Where one could be worked "
            "out from the others, counts are grouped under “other”, and signers from "
            "high-risk countries are always counted there."
        )
        % {"n": settings.SUPPRESS_BELOW},
        "country": _("Country"),
        "organisations": _("Organisations"),
        "no_organisations": _("No organisation has endorsed this statement."),
        "organisation": _("Organisation"),
        "kind": _("Kind"),
        "website": _("Website"),
        "signers": _("Signers"),
        "signers_note": _(
            "Each signer as they chose to be shown. Those who asked not to be named are "
            "only counted."
        ),
        "earlier_versions": _("Earlier versions"),
        "language": _("Language"),
        "date": _("Date"),
        "title": _("Title"),
        "version": _("Version {number} ({language}), {date}"),
    }


def shown(figure: Figure) -> str:
    """A count as published: its figure, or "fewer than N"."""
    if figure.value is not None:
        return str(figure.value)
    return _("fewer than %(n)s") % {"n": figure.below}


def _table(parts: dict[str, int], other: str) -> list[tuple[str, str]]:
    """PARTS (label: count) as lib/suppression.py lets them be published: some exact, some
    "fewer than N", the rest as OTHER; nothing at all when the whole is too small."""
    found = breakdown(parts, threshold=settings.SUPPRESS_BELOW)
    if found.withheld:
        return []
    fewer = shown(Figure(None, settings.SUPPRESS_BELOW))
    rows = [(label, str(n)) for label, n in found.shown] + [(k, fewer) for k in found.small]
    if found.other.value:
        rows.append((other, str(found.other.value)))
    return rows


def figures(statement: Statement, signers: Signers | None) -> list[tuple[str, str]]:
    below = settings.SUPPRESS_BELOW
    counts = statement.counts()
    paper = paper_count(statement)
    total = counts["counted"] + paper
    not_apart = _("Not shown apart (small-number rule)")
    parts = {_("Confirmed online"): counts["counted"], _("On paper"): paper}
    rows = _table(parts, not_apart)
    rows.append((_("Total"), shown(public_count(total, below))))
    rows.append(
        (
            _("Unverified (signed without an email, counted apart)"),
            shown(public_count(counts["unverified"], below)),
        )
    )
    if signers is not None:
        listed = {
            _("Listed by name or initials"): len(signers.rows),
            _("Not listed (asked not to be named)"): signers.hidden,
        }
        rows += _table(listed, not_apart)
    return rows


def by_country(statement: Statement) -> list[tuple[str, str]]:
    """Counted signers, online and on paper, by country (paper rows exist only for the
    batches not undone). High-risk countries are never named: they count under "other"."""
    totals: dict[str, int] = {}
    for source in (
        Signature.objects.filter(statement=statement, counted=True),
        PaperSignature.objects.filter(statement=statement),
    ):
        for code, n in source.values_list("country").annotate(n=Count("id")).order_by():
            totals[str(code)] = totals.get(str(code), 0) + n
    found = breakdown(
        totals, hidden=settings.HIGH_RISK_COUNTRIES, threshold=settings.SUPPRESS_BELOW
    )
    if found.withheld:
        return []
    name = {code: str(countries.name(code) or code or _("Not given")) for code in totals}
    fewer = shown(Figure(None, settings.SUPPRESS_BELOW))
    rows = [(name[code], str(n)) for code, n in found.shown]
    rows += [(name[code], fewer) for code in found.small]
    if found.other.value:
        rows.append((_("Other countries"), str(found.other.value)))
    return rows


def by_version(statement: Statement) -> list[tuple[str, str]]:
    """Counted signers, online and on paper, by the version of the primary text they read
    (issue 19), in version order; the parts add up to the total, under the small-number
    rule. A paper signer read the version current when the sheets were typed up."""
    totals = dict(statement.counts_by_version())
    paper = PaperSignature.objects.filter(statement=statement)
    for number, n in (
        paper.values_list("version__primary_number").annotate(n=Count("id")).order_by()
    ):
        totals[number] = totals.get(number, 0) + n
    found = breakdown(totals, threshold=settings.SUPPRESS_BELOW)
    if found.withheld:
        return []
    dated = dict(
        StatementVersion.objects.filter(
            statement=statement, language=statement.primary_language
        ).values_list("number", "created_at")
    )
    fewer = shown(Figure(None, settings.SUPPRESS_BELOW))
    parts = sorted([(n, str(c)) for n, c in found.shown] + [(n, fewer) for n in found.small])
    rows = [
        (
            _("Version %(number)s of %(date)s") % {"number": n, "date": dated[n].date()}
            if n in dated
            else _("Version %(number)s") % {"number": n},
            value,
        )
        for n, value in parts
    ]
    if found.other.value:
        rows.append((_("Not shown apart (small-number rule)"), str(found.other.value)))
    return rows


def organisations(statement: Statement) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Approved organisations by country, as the public sees them (Endorsement.public_*): a
    package goes to the addressee, so a hidden organisation is there by country and kind."""
    approved = Endorsement.objects.filter(statement=statement, state=Endorsement.State.APPROVED)
    grouped: dict[str, list[tuple[str, str, str]]] = {}
    for endorsement in approved:
        country = str(endorsement.country.name or endorsement.country.code)
        kind = str(endorsement.get_kind_display())
        shown = (endorsement.public_name, kind, endorsement.public_website)
        grouped.setdefault(country, []).append(shown)
    # Sorted by what is shown, so a hidden one's place says nothing of its name.
    return sorted((country, sorted(members)) for country, members in grouped.items())


def texts(statement: Statement) -> list[deliverypdf.Text]:
    order = {language: n for n, language in enumerate(statement.languages)}
    versions = sorted(
        StatementVersion.objects.filter(statement=statement),
        key=lambda v: (order.get(v.language, len(order)), v.language, -v.number),
    )
    return [
        deliverypdf.Text(
            language=v.language,
            number=v.number,
            title=v.title,
            demands=[str(d) for d in v.demands],
            body=v.body_markdown,
            dated=v.created_at.date().isoformat(),
            content_hash=v.content_hash,
            current=v.is_current,
        )
        for v in versions
    ]


def statement_address(statement: Statement, language: str | None = None) -> str:
    """The statement's page in LANGUAGE (default: the active one, else the primary)."""
    language = language or get_language() or statement.primary_language
    if language not in statement.languages:
        language = statement.primary_language
    return f"{settings.SITE_URL}/{language}/{statement.slug}/"


def build_files(
    statement: Statement, signers: Signers | None, progress: Progress = lambda rows: rows
) -> dict[str, bytes]:
    """Every file of the package but the manifest and its signature."""
    title = statement.text(get_language() or statement.primary_language).title
    figure_rows = figures(statement, signers)
    country_rows = by_country(statement)
    version_rows = by_version(statement)
    organisation_rows = organisations(statement)
    report = deliverypdf.Report(
        title=title,
        address=statement_address(statement),
        labels=labels(),
        texts=texts(statement),
        figures=figure_rows,
        by_country=country_rows,
        by_version=version_rows,
        organisations=organisation_rows,
        signers=None if signers is None else [_signer_cells(r) for r in signers.rows],
        signer_columns=[_("Name"), _("Country"), _("City"), _("Affiliation")],
        about=_about(statement),
        progress=progress,
    )
    flat_organisations = [
        {"country": country, "name": name, "kind": kind, "website": website}
        for country, members in organisation_rows
        for name, kind, website in members
    ]
    counts = [{"figure": label, "count": value} for label, value in figure_rows]
    counts += [{"figure": label, "count": value} for label, value in country_rows]
    counts += [{"figure": label, "count": value} for label, value in version_rows]
    files = {
        "statement.pdf": deliverypdf.render(report),
        "counts.csv": _csv(counts, ["figure", "count"]),
        "organisations.csv": _csv(flat_organisations, ["country", "name", "kind", "website"]),
    }
    sheets = {"counts": (["figure", "count"], counts)}
    sheets["organisations"] = (["country", "name", "kind", "website"], flat_organisations)
    if signers is not None:
        files["signers.csv"] = _csv(signers.rows, SIGNER_COLUMNS)
        sheets["signers"] = (SIGNER_COLUMNS, signers.rows)
    files["statement.xlsx"] = _xlsx(sheets)
    return files


def write(
    out: str | Path | IO[bytes],
    statement: Statement,
    signers: Signers | None,
    key: SigningKey | None,
    progress: Progress = lambda rows: rows,
) -> bytes:
    """Write the package zip to OUT; return its manifest. PROGRESS wraps the signer rows
    as the PDF lays them out, the long part of a big package."""
    files = build_files(statement, signers, progress)
    public_key = manifest.public_key_of(key) if key is not None else ""
    files[HOW_TO_CHECK] = how_to_check(statement, files, public_key).encode()
    about = {
        "statement": statement.slug,
        "address": statement_address(statement),
        "kind": "public" if signers is None else "full",
        "made_at": timezone.now().isoformat(timespec="seconds"),
        "language": get_language(),
        "signing_key": public_key,
    }
    return manifest.write_package(out, files, about, key)


def how_to_check(statement: Statement, files: dict[str, bytes], public_key: str) -> str:
    title = statement.text(get_language() or statement.primary_language).title
    intro = _(
        "How to check this package\n\n"
        "This package was made for the statement “%(title)s” (%(address)s). "
        "manifest.json lists the SHA-256 of every file in it."
    ) % {"title": title, "address": statement_address(statement)}
    if public_key:
        steps = _(
            "manifest.sig is an Ed25519 signature over the manifest's hash, made with the "
            "organisers' signing key. If one byte of any file changed, the check fails and "
            "names the file.\n\n"
            "1. Get the organisers' public signing key from them directly, not from this "
            "package. It must read:\n   %(key)s\n"
            "2. With undersigned installed:\n"
            "   undersigned verify-package statement.zip --public-key KEY\n"
            "3. Without it, `sha256sum -c` on the lines below checks the files (but not the "
            "signature)."
        ) % {"key": public_key}
    else:
        steps = _(
            "This package is not signed: the website made it, and it never holds the "
            "organisers' signing key. The hashes show damage, not forgery; ask the "
            "organisers for a signed package.\n\n"
            "With undersigned installed: undersigned verify-package statement.zip\n"
            "Without it, `sha256sum -c` on the lines below checks the files."
        )
    return f"{intro}\n\n{steps}\n\n{manifest.sha256sums(files)}"


def _signer_cells(row: dict[str, str]) -> list[str]:
    country = str(countries.name(row.get("country", "")) or row.get("country", ""))
    return [row.get("name", ""), country, row.get("city", ""), row.get("affiliation", "")]


def _about(statement: Statement) -> list[str]:
    lines = [_("Package made on %(date)s.") % {"date": timezone.now().date().isoformat()}]
    if statement.published_at:
        lines.append(_("Published on %(date)s.") % {"date": statement.published_at.date()})
    if statement.closed_at:
        lines.append(_("Closed on %(date)s.") % {"date": statement.closed_at.date()})
    return lines


def _csv(rows: Iterable[dict[str, str]], columns: Sequence[str]) -> bytes:
    out = io.StringIO(newline="")
    exports.write_csv(rows, list(columns), out)
    return out.getvalue().encode()


def _xlsx(sheets: Mapping[str, tuple[Sequence[str], Sequence[dict[str, str]]]]) -> bytes:
    book = Workbook(write_only=True)
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([exports.guard_cell(str(row.get(c, ""))) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
