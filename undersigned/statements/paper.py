"""Paper signatures: reading typed-up sheets, adding them as one batch, and undoing it.

A file is checked whole before anything is written: one bad row and nothing changes, and
every bad row is named with its line. Rows whose email already signed (online and
confirmed, on paper before, or earlier in the same file) are left out and reported, not
added twice. An online signature never confirmed gives way to the paper one: it is deleted
in the import's transaction, so the signer counts once, on paper, and neither a late
confirmation nor the purge of unconfirmed rows changes that.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from undersigned.lib import sealing
from undersigned.statements.models import (
    OutboxMessage,
    PaperBatch,
    PaperSignature,
    Signature,
    Statement,
    StatementError,
    Visibility,
    paper_count,
    record,
)
from undersigned.statements.models.personal import public_fields
from undersigned.statements.services import _who

COLUMNS = ["sheet", "name", "email", "country", "city", "affiliation", "visibility", "signed_on"]
REQUIRED = {"sheet", "name", "country"}
LIMITS = {"sheet": 20, "name": 120, "email": 254, "city": 80, "affiliation": 160}


class PaperImportError(StatementError):
    """The file has bad rows; LINES holds (line, problem) for every one of them."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.lines = lines
        listed = "\n".join(f"line {line}: {problem}" for line, problem in lines)
        message = ngettext(
            "%(n)s bad row; nothing was imported.",
            "%(n)s bad rows; nothing was imported.",
            len(lines),
        )
        super().__init__(message % {"n": len(lines)})
        self.detail = listed


@dataclass
class Row:
    line: int
    sheet: str
    name: str
    email: str
    country: str
    city: str
    affiliation: str
    visibility: int
    signed_on: str


@dataclass
class Outcome:
    batch: PaperBatch
    skipped_lines: list[int] = field(default_factory=list)


def parse(text: str) -> list[Row]:
    """Every row of a CSV with the COLUMNS header, or PaperImportError naming each bad line."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise PaperImportError([(1, _("missing columns: %(c)s") % {"c": ", ".join(missing)})])
    reader.fieldnames = header
    rows, bad = [], []
    for values in reader:
        line = reader.line_num
        try:
            rows.append(_row(line, {k: (values.get(k) or "").strip() for k in COLUMNS}))
        except ValueError as exc:
            bad.append((line, str(exc)))
    if bad:
        raise PaperImportError(bad)
    if not rows:
        raise PaperImportError([(1, _("the file has no rows"))])
    return rows


def _row(line: int, values: dict[str, str]) -> Row:
    problems = [_("%(c)s is empty") % {"c": c} for c in sorted(REQUIRED) if not values[c]]
    problems += [
        _("%(c)s is longer than %(n)s characters") % {"c": c, "n": n}
        for c, n in LIMITS.items()
        if len(values[c]) > n
    ]
    country = values["country"].upper()
    if values["country"] and country not in countries:
        problems.append(_("%(v)s is not a country code") % {"v": values["country"]})
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(_("%(v)s is not an email address") % {"v": values["email"]})
    visibility = values["visibility"] or str(int(Visibility.HIDDEN))
    if visibility not in {"1", "2", "3", "4"}:
        problems.append(_("visibility must be 1, 2, 3 or 4"))
    if values["signed_on"] and _date(values["signed_on"]) is None:
        problems.append(_("signed_on must be a date (YYYY-MM-DD)"))
    if problems:
        raise ValueError("; ".join(problems))
    return Row(
        line=line,
        sheet=values["sheet"],
        name=values["name"],
        email=values["email"],
        country=country,
        city=values["city"],
        affiliation=values["affiliation"],
        visibility=int(visibility),
        signed_on=values["signed_on"],
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def sheet_ranges(sheets: Iterable[str]) -> str:
    """ "0001–0003, 0007" for sheets 0001, 0002, 0003 and 0007 (text sheets listed as they are)."""
    numbers = sorted({s for s in sheets if s.isdigit()}, key=int)
    words = sorted({s for s in sheets if not s.isdigit()})
    ranges: list[list[str]] = []
    for number in numbers:
        if ranges and int(number) == int(ranges[-1][-1]) + 1:
            ranges[-1].append(number)
        else:
            ranges.append([number])
    parts = [r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in ranges] + words
    text = ", ".join(parts)
    return text if len(text) <= 300 else text[:297] + "…"


def import_rows(
    statement: Statement,
    rows: list[Row],
    *,
    by: Any = None,
    progress: Callable[[Iterable[Row]], Iterable[Row]] = lambda rows: rows,
) -> Outcome:
    """Seal and add ROWS as one batch, leaving out those whose email already signed."""
    if not statement.public_key or not statement.is_public:
        raise StatementError(_("Paper signatures join a published or closed statement."))
    digests = {
        row.line: sealing.email_digest(settings.DEDUP_KEY, statement.pk, row.email)
        for row in rows
        if row.email
    }
    taken = _already_signed(statement, set(digests.values()))
    version = statement.text(statement.primary_language)
    now = timezone.now()
    outcome_skipped: list[int] = []
    new: list[PaperSignature] = []
    for row in progress(rows):
        digest = digests.get(row.line)
        if digest is not None and digest in taken:
            outcome_skipped.append(row.line)
            continue
        if digest is not None:
            taken.add(digest)
        new.append(_paper_signature(statement, version, row, digest, now))
    with transaction.atomic():
        wanted = {signature.email_digest for signature in new if signature.email_digest}
        replaced, late = _replace_unconfirmed(statement, wanted)
        outcome_skipped = sorted(outcome_skipped + [s.line for s in new if s.email_digest in late])
        new = [signature for signature in new if signature.email_digest not in late]
        batch = PaperBatch.objects.create(
            statement=statement,
            sheets=sheet_ranges(row.sheet for row in rows),
            size=len(new),
            skipped=len(outcome_skipped),
            created_by=_who(by),
            created_at=now,
        )
        for signature in new:
            signature.batch = batch
        PaperSignature.objects.bulk_create(new, batch_size=500)
        reason = f"sheets {batch.sheets}: {batch.size} added, {batch.skipped} already signed"
        if replaced:
            reason += f", {replaced} replacing an unconfirmed online signature"
        record(by, "paper_import", batch, reason=reason)
    return Outcome(batch=batch, skipped_lines=outcome_skipped)


def _already_signed(statement: Statement, digests: set[str]) -> set[str]:
    """The DIGESTS that signed already: online (but for unconfirmed, withdrawn or erased
    signatures) or on paper."""
    gone = [Signature.Status.PENDING, Signature.Status.WITHDRAWN, Signature.Status.ERASED]
    online = Signature.objects.filter(statement=statement, email_digest__in=digests).exclude(
        status__in=gone
    )
    paper = PaperSignature.objects.filter(statement=statement, email_digest__in=digests)
    found = [*online.values_list("email_digest", flat=True)]
    found += paper.values_list("email_digest", flat=True)
    return {digest for digest in found if digest}


def _replace_unconfirmed(statement: Statement, digests: set[str]) -> tuple[int, set[str]]:
    """Inside the import's transaction: delete the unconfirmed online signatures of DIGESTS,
    which their paper rows replace; return how many, and the DIGESTS that signed since the
    first look (their paper rows stay out).

    Left in place, such a row never counted, and was either confirmed later (counting the
    signer twice) or purged (leaving the signer, left out of the paper batch, counted
    nowhere). The lock decides a race with a confirmation: it lands first and is found
    below, or it finds no row to confirm (hotpath.confirm writes only a pending row).
    """
    pending = Signature.objects.filter(
        statement=statement, email_digest__in=digests, status=Signature.Status.PENDING
    )
    pks = list(pending.select_for_update().values_list("pk", flat=True))
    # Their unsent confirmation emails would carry a dead link (as the purge does).
    OutboxMessage.objects.filter(signature_id__in=pks).delete()
    Signature.objects.filter(pk__in=pks, status=Signature.Status.PENDING, counted=False).delete()
    return len(pks), _already_signed(statement, digests)


def _paper_signature(
    statement: Statement, version: Any, row: Row, digest: str | None, now: dt.datetime
) -> PaperSignature:
    # A blank "Shown as" was read as 4: not public, only counted (the sheet says so).
    visibility = row.visibility
    sealed = sealing.seal(
        statement.public_key,
        {
            "name": row.name,
            "email": row.email,
            "country": row.country,
            "city": row.city,
            "affiliation": row.affiliation,
            "visibility": visibility,
            "consent": True,
            "language": version.language,
            "version": version.number,
            "signed_at": row.signed_on or now.date().isoformat(),
            "source": "paper",
            "sheet": row.sheet,
        },
    )
    return PaperSignature(
        statement=statement,
        version=version,
        sheet=row.sheet,
        line=row.line,
        email_digest=digest,
        sealed=sealed,
        country=row.country,
        visibility=visibility,
        created_at=now,
        **public_fields(visibility, row.name, row.city, row.affiliation),
    )


def undo(batch: PaperBatch, *, by: Any = None) -> int:
    """Remove exactly BATCH's rows (and their sealed data); the batch stays, marked undone."""
    with transaction.atomic():
        batch = PaperBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.undone_at:
            raise StatementError(_("This paper batch was already undone."))
        removed, _kinds = PaperSignature.objects.filter(batch=batch).delete()
        batch.undone_at = timezone.now()
        batch.undone_by = _who(by)
        batch.save(update_fields=["undone_at", "undone_by"])
        record(by, "paper_undo", batch, reason=f"sheets {batch.sheets}: {removed} removed")
    return removed


def signed_on_paper(statement: Statement, digest: str) -> int:
    return PaperSignature.objects.filter(statement=statement, email_digest=digest).count()


def erase(statement: Statement, digest: str) -> int:
    """Delete the paper signatures of the signer with email DIGEST; the count drops."""
    with transaction.atomic():
        found = list(
            PaperSignature.objects.select_for_update().filter(
                statement=statement, email_digest=digest
            )
        )
        for signature in found:
            PaperBatch.objects.filter(pk=signature.batch_id).update(size=F("size") - 1)
            signature.delete()
    return len(found)


def purge_sealed(statement: Statement) -> int:
    """Retention (P8): remove what names a paper signer; the rows still count."""
    named = PaperSignature.objects.filter(statement=statement).filter(
        Q(sealed__isnull=False) | Q(email_digest__isnull=False)
    )
    return named.update(sealed=None, email_digest=None)


def reconcile_paper(statement: Statement, *, fix: bool = False) -> tuple[int, int]:
    """(the paper count as shown, the paper rows there are): they must agree. With FIX,
    each active batch's size is set to its rows, and the pair is what it was before."""
    rows = PaperSignature.objects.filter(statement=statement, batch__undone_at__isnull=True)
    found = paper_count(statement), rows.count()
    if fix and found[0] != found[1]:
        with transaction.atomic():
            for batch in PaperBatch.objects.filter(statement=statement, undone_at__isnull=True):
                PaperBatch.objects.filter(pk=batch.pk).update(size=batch.signatures.count())
    return found
