"""Silent screening of a submission: quarantine the doubtful, never tell the client.

The sign form calls `screen()` once its fields are valid. Every rule ends in the same
place: the signature is stored with `quarantined=True` (never counted until a moderator
releases it) and the client gets exactly the answer a normal signer gets, so a script
learns nothing from the response. What a quarantined signer receives by email: the same
confirmation email as anyone, so a real person behind a busy shared address can still
confirm; the confirmed signature stays uncounted until a moderator releases it. The only
thing that ever withholds an email is the per-address daily cap, which exists to stop the
form being used to flood someone else's inbox.

Nothing here stores an address: counters are keyed on the daily-rotating client hash and on
keyed email digests, and live only in the cache with an expiry (P5).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.lib import clientid, proofofwork, sealing, timelock
from undersigned.lib.ratelimit import Limit
from undersigned.statements import caches, limits
from undersigned.statements.caches import forget_blocklist
from undersigned.statements.models import BlockedSource

STARTED_SALT = "undersigned.sign-form.started"
# The per-statement ceilings of onion submissions (ONION_SIGN_LIMITS), by name.
ONION_CEILINGS = ("onion-minute", "onion-hour")
# How long a time-locked form shown through the onion service stays good to send.
WAIT_MAX_AGE = 3 * 3600
# Dotted-quad IPv4 without leading zeros: the form str(ipaddress.ip_address(...)) gives.
_PLAIN_IPV4 = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}")

__all__ = ["Verdict", "blocklist", "forget_blocklist", "screen", "started_token"]


@dataclass
class Verdict:
    reasons: list[str] = field(default_factory=list)
    send_email: bool = True
    source_digest: str = ""
    domain_digest: str = ""

    @property
    def quarantined(self) -> bool:
        return bool(self.reasons)

    def as_sign_kwargs(self) -> dict[str, object]:
        return {
            "quarantined": self.quarantined,
            "quarantine_reasons": ",".join(self.reasons),
            "source_digest": self.source_digest,
            "domain_digest": self.domain_digest,
            "send_email": self.send_email,
        }


def sign_limits() -> dict[str, Limit]:
    return _limits(
        settings.SIGN_BURST_LIMIT,
        settings.SIGN_SUSTAINED_LIMIT,
        settings.SIGN_DOMAIN_LIMIT,
        settings.SIGN_NO_POW_PER_DAY,
        settings.CONFIRM_EMAILS_PER_ADDRESS,
    )


@functools.lru_cache(maxsize=8)
def _limits(burst: str, sustained: str, domain: str, nopow: int, mail: int) -> dict[str, Any]:
    """Parsed once per set of settings (tests change them), not on every submission."""
    return {
        "burst": Limit.parse("burst", burst),
        "sustained": Limit.parse("sustained", sustained),
        "domain": Limit.parse("domain", domain),
        "nopow": Limit("nopow", nopow, 86400),
        "mail": Limit("mail", mail, 86400),
    }


def started_token(now: float | None = None) -> str:
    """The signed render time put in the form. The page is cached for a few seconds and
    shared by everyone, so it is not per visitor and may be older than the visitor's view:
    that only makes a fill look slower, never faster, so no person is caught by it."""
    stamp = int(time.time() if now is None else now)
    return _started_signer().sign(str(stamp))


def _elapsed(token: str, now: float) -> float | None:
    try:
        return now - int(_started_signer().unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def _started_signer() -> signing.Signer:
    """One Signer per key: making one was nine tenths of checking a render time."""
    return _signer_for(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@functools.lru_cache(maxsize=4)
def _signer_for(key: str, fallbacks: tuple[str, ...]) -> signing.Signer:
    return signing.Signer(key=key, fallback_keys=list(fallbacks), salt=STARTED_SALT)


def client_key(address: str) -> str:
    """What a limit recognises: an IPv4 address, or an IPv6 /64 (one household)."""
    if _PLAIN_IPV4.fullmatch(address) and all(int(part) <= 255 for part in address.split(".")):
        return address  # already in the one form ipaddress would give it
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return clientid.network_of(address) if ip.version == 6 else str(ip)


def domain_of(email: str) -> str:
    return sealing.normalise_email(email).rpartition("@")[2]


def domain_digest(domain: str) -> str:
    return sealing.domain_digest(settings.DEDUP_KEY, domain)


def address_digest(email: str) -> str:
    """A statement-independent keyed digest of an address (block list, email cap)."""
    return BlockedSource.address_digest(email)


def source_digest(address: str, today: dt.date) -> str:
    return clientid.client_hash(settings.CLIENT_HASH_KEY, client_key(address), today)


def blocklist() -> caches.Blocklist:
    """The organisers' block list, through caches.blocklist (memory, shared cache, rows)."""
    return caches.blocklist(_stored_blocklist)


def _stored_blocklist() -> caches.StoredBlocklist:
    rows = list(BlockedSource.objects.values_list("kind", "value"))
    return (
        {v for k, v in rows if k == "domain"},
        {v for k, v in rows if k == "address"},
        [v for k, v in rows if k == "network"],
    )


def _in_domain_set(domain: str, names: set[str] | frozenset[str]) -> bool:
    parts = domain.split(".")
    return any(".".join(parts[i:]) in names for i in range(len(parts) - 1))


def _disposable(domain: str) -> bool:
    from disposable_email_domains import blocklist as disposable

    return _in_domain_set(domain, disposable)


def _in_networks(
    address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _check_sources(flag: Callable[[str], None], *, address: str, email: str, domain: str) -> None:
    blocked_domains, blocked_addresses, blocked_networks = blocklist()
    if (
        (domain and _in_domain_set(domain, blocked_domains))
        or (email and blocked_addresses and address_digest(email) in blocked_addresses)
        or _in_networks(address, blocked_networks)
    ):
        flag("blocked")
    if domain and settings.BLOCK_DISPOSABLE_DOMAINS and _disposable(domain):
        flag("disposable")


def _hits(
    rules: dict[str, Limit],
    scope: str,
    verdict: Verdict,
    domain: str,
    email: str,
    pow_payload: str,
    onion: bool = False,
) -> dict[str, tuple[Limit, str]]:
    """The limits one submission in SCOPE (kind and statement) counts against. Through the
    onion service every client has tor's address, so the address limits give way to
    ceilings for all onion submissions to the statement together."""
    subject = f"{scope}:{verdict.source_digest}"
    hits: dict[str, tuple[Limit, str]] = {}
    if onion:
        ceilings = onion_limits(tuple(settings.ONION_SIGN_LIMITS))
        hits.update((limit.name, (limit, f"{scope}:onion")) for limit in ceilings)
    else:
        hits["burst"] = (rules["burst"], subject)
        hits["sustained"] = (rules["sustained"], subject)
    if not pow_payload and not onion:
        hits["nopow"] = (rules["nopow"], subject)
    if domain and not _in_domain_set(domain, set(settings.SIGN_DOMAIN_EXEMPT)):
        hits["domain"] = (rules["domain"], f"{scope}:{verdict.domain_digest}")
    if email:
        hits["mail"] = (rules["mail"], address_digest(email))
    return hits


def screen(
    *,
    statement_id: int,
    address: str,
    email: str,
    honeypot: str,
    started: str,
    pow_payload: str,
    kind: str = "sign",
    onion: bool = False,
    wait: str = "",
    now: dt.datetime | None = None,
) -> Verdict:
    """Screen one submission of KIND ("sign" or "endorse"); each kind has its own limits,
    the daily cap on confirmation emails to one address is shared. Through the onion
    service (ONION) there is no address limit: see _admit_onion."""
    now = now or timezone.now()
    stamp = now.timestamp()
    # Without an email (statements that allow it) there is no domain and no mail to cap.
    domain = domain_of(email) if email else ""
    verdict = Verdict(
        source_digest=source_digest(address, now.date()),
        domain_digest=domain_digest(domain) if domain else "",
    )
    flag = verdict.reasons.append
    if honeypot:
        flag("honeypot")
    elapsed = _elapsed(started, stamp)
    if elapsed is None:
        flag("nostart")
    elif elapsed < settings.SIGN_MIN_FILL_SECONDS:
        flag("fast")
    _check_sources(flag, address=address, email=email, domain=domain)
    rules = sign_limits()
    # Every valid submission counts against the limits, flagged or not: a script that is
    # already caught must not get a fresh allowance for its next try. All counters move in
    # one cache round trip (one Redis command), which keeps the signing path fast.
    scope = f"{kind}:{statement_id}"
    hits = _hits(rules, scope, verdict, domain, email, pow_payload, onion)
    counts = dict(zip(hits, limits.hit_many(list(hits.values()), now=stamp), strict=True))
    over = {name for name, count in counts.items() if count > hits[name][0].count}
    onion_proof = _check_proof(flag, pow_payload, statement_id, now)
    if onion:
        _admit_onion(flag, onion_proof, wait, statement_id, stamp)
    for name in ("nopow", "burst", "sustained", "domain", *ONION_CEILINGS):
        if name in over:
            flag(name)
    if counts.get("domain") == rules["domain"].count + 1:
        # A domain this busy is a crowd or a bot, not one person: let the trending report
        # name it for moderators (once per window, on the first submission over the limit).
        caches.remember_domain_label(verdict.domain_digest, domain)
    verdict.send_email = "mail" not in over
    return verdict


@functools.lru_cache(maxsize=4)
def onion_limits(specs: tuple[str, ...]) -> list[Limit]:
    return [Limit.parse(ONION_CEILINGS[n], spec) for n, spec in enumerate(specs[:2])]


def _check_proof(
    flag: Callable[[str], None], payload: str, statement_id: int, now: dt.datetime
) -> bool:
    """Check a proof-of-work if one was sent; True if it is a good onion one, used once."""
    if not payload:
        return False
    proof = proofofwork.check(payload, settings.SECRET_KEY, statement_id=statement_id, now=now)
    if not proof.ok:
        flag(f"pow-{proof.reason}")
        return False
    if not limits.once(f"pow:{proof.token}", int(proof.expires - now.timestamp()) + 60):
        flag("pow-replay")
        return False
    return proof.onion


def wait_token(statement_id: int, now: float | None = None) -> str:
    """The time-locked token of a form shown through the onion service (lib/timelock.py)."""
    stamp = time.time() if now is None else now
    return timelock.issue(settings.SECRET_KEY, statement_id=statement_id, now=stamp)


def _admit_onion(
    flag: Callable[[str], None], proof_ok: bool, wait: str, statement_id: int, stamp: float
) -> None:
    """Through the onion service a submission is admitted by a solved onion challenge or,
    without JavaScript, by a time-locked form sent after its wait; else it is quarantined."""
    if proof_ok:
        return
    lock = timelock.check(
        wait,
        settings.SECRET_KEY,
        statement_id=statement_id,
        now=stamp,
        wait=settings.ONION_WAIT_SECONDS,
        max_age=WAIT_MAX_AGE,
    )
    if not lock.ok:
        flag("onion-unproven" if lock.reason == "missing" else f"wait-{lock.reason}")
    elif not limits.once(f"wait:{lock.nonce}", int(lock.expires - stamp) + 60):
        flag("wait-replay")


def honeypot_field() -> forms.CharField:
    """A field people never see or fill (it is hidden by CSS and skipped by the keyboard);
    a script that fills every input gives itself away."""
    return forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class ScreenedForm(forms.Form):
    """The abuse-check fields of a public submission, checked by screening.screen().

    None of them ever shows an error: whatever they find, the submission is quarantined and
    answered like any other. Each form names its honeypot field (HONEYPOT), since "website"
    is a real field of the endorsement form.
    """

    HONEYPOT = "website"

    started = forms.CharField(required=False, widget=forms.HiddenInput)
    altcha = forms.CharField(required=False, widget=forms.HiddenInput)
    # Through the onion service only: the time-locked token (wait_token).
    wait = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, address: str = "", onion: bool = False, **kwargs: Any) -> None:
        """ONION: the form is shown or sent through the onion service (public/onion.py)."""
        super().__init__(*args, **kwargs)
        self.address = address
        self.onion = onion
        if not self.is_bound:
            self.fields["started"].initial = started_token()

    def time_lock(self, statement_id: int | None) -> None:
        """An unbound form shown through the onion service carries its time-locked token."""
        if self.onion and not self.is_bound and statement_id is not None:
            self.fields["wait"].initial = wait_token(statement_id)

    @classmethod
    def abuse_fields(cls) -> tuple[str, ...]:
        return (cls.HONEYPOT, "started", "altcha", "wait")

    def screen(
        self, data: dict[str, Any], *, statement_id: int | None, email: str, kind: str
    ) -> Verdict | None:
        """Take the abuse-check fields out of DATA; with no errors and a STATEMENT_ID,
        screen the submission."""
        extras = {name: data.pop(name, "") or "" for name in self.abuse_fields()}
        if self.errors or statement_id is None:
            return None
        return screen(
            statement_id=statement_id,
            address=self.address,
            email=email,
            honeypot=extras[self.HONEYPOT],
            started=extras["started"],
            pow_payload=extras["altcha"],
            kind=kind,
            onion=self.onion,
            wait=extras["wait"],
        )


def abuse_fields_last(
    fields: dict[str, forms.Field], form: type[ScreenedForm]
) -> dict[str, forms.Field]:
    """The form's fields in the order it declares them, the abuse checks last (a base
    class's fields would otherwise come first)."""
    last = form.abuse_fields()
    ordered = {n: f for n, f in fields.items() if n not in last}
    ordered.update((name, fields[name]) for name in last)
    return ordered
