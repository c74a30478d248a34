"""Kill -9 at random moments of signing, confirming and sending, then count what was lost.

A live site (`undersigned serve`, granian with several workers, and the email worker) takes
a steady stream of signatures and confirmations from a few clients, while a killer sends
SIGKILL to a granian worker (in the middle of a sign or confirm request) or to the email
worker (in the middle of a send). Then it checks promise P1 through the database itself:
every signature the site acknowledged (302 to "check your email") is there, once; every
confirmation it acknowledged (200) is confirmed; the counters reconcile with the rows; and
every acknowledged signature got its confirmation email once the worker could send it.

Used by tests/test_crash.py: 20 kills per database in `make test`, 500 in `make chaos`
(CHAOS_KILLS=500), which prints kills, acknowledged, lost and duplicated.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from undersigned.test.live import LiveSite, Mailbox, http, links_in, wait_for_port
from undersigned.test.processes import find, granian_workers, kill, wait_until

SLUG = "solidarity-against-war"
# Limits that no single real person reaches, lifted so a few clients can sign thousands.
CHAOS_LIMITS = {
    "SIGN_BURST_LIMIT": "1000000/60",
    "SIGN_SUSTAINED_LIMIT": "1000000/300",
    "SIGN_NO_POW_PER_DAY": "1000000",
    "SIGN_MIN_FILL_SECONDS": "0",
    # An email whose worker was killed mid-send goes again when its lease runs out: short
    # here, so the run need not wait the default 5 minutes (still well above the timeout).
    "OUTBOX_LOCK_SECONDS": "8",
    "EMAIL_TIMEOUT": "3",
}
# Granian exits if one of its workers dies twice within 5.5 s (its crash-loop rule); the
# killer leaves each web worker this long, so the site's own supervisor is not what is tested.
WEB_WORKER_MIN_AGE = 6.0
# The email worker is killed once it has started and run a while (the supervisor restarts a
# process that ran 5 s at once; one that dies as it starts is a crash loop, and waits).
EMAIL_WORKER_MIN_AGE = 5.5


@dataclass
class Report:
    kills: int = 0
    web_kills: int = 0
    email_kills: int = 0
    acknowledged: int = 0
    confirmed: int = 0
    lost: int = 0
    duplicated: int = 0
    lost_confirmations: int = 0
    emails_missing: int = 0
    emails_repeated: int = 0
    emails_repeated_same_id: int = 0
    reconciled: bool = False
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"kills {self.kills} (web {self.web_kills}, email {self.email_kills}), "
            f"acknowledged {self.acknowledged}, lost {self.lost}, duplicated {self.duplicated}, "
            f"confirmed {self.confirmed}, confirmations lost {self.lost_confirmations}, "
            f"emails missing {self.emails_missing}, sent twice {self.emails_repeated} "
            f"({self.emails_repeated_same_id} with the same Message-ID), "
            f"counters reconciled {'yes' if self.reconciled else 'NO'}, {self.seconds:.0f} s"
        )

    @property
    def clean(self) -> bool:
        return (
            self.lost == self.duplicated == self.lost_confirmations == self.emails_missing == 0
            and self.reconciled
            and self.emails_repeated == self.emails_repeated_same_id
        )


@dataclass
class Traffic:
    """What the clients were told: the acknowledged signatures and confirmations."""

    site: LiveSite
    mailbox: Mailbox
    signed: list[str] = field(default_factory=list)
    confirmed: set[str] = field(default_factory=set)
    tried: set[str] = field(default_factory=set)
    answered: int = 0  # requests the site answered as asked: the killer waits for progress
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)

    def client(self, number: int) -> None:
        n = 0
        while not self.done.is_set():
            n += 1
            address = f"c{number}n{n}@example.org"
            form = {"name": f"Chaos {number} {n}", "email": address, "country": "UA"}
            if self._ok("POST", f"{self.site.url}/en/{SLUG}/sign/", form, 302):
                with self.lock:
                    self.signed.append(address)
            self.confirm_one()

    def confirm_one(self) -> None:
        with self.lock:
            # Emails take a moment (longer on a loaded PostgreSQL): look back far enough
            # that some confirmation links have arrived, so the confirm path is exercised.
            waiting = [a for a in self.signed[-300:] if a not in self.tried]
        for address in waiting:
            found = [links_in(m).get("confirm") for m in self.mailbox.to(address)]
            link = next((url for url in found if url), None)
            if link is None:
                continue
            with self.lock:
                self.tried.add(address)
            if self._ok("POST", link, {}, 200):
                with self.lock:
                    self.confirmed.add(address)
            return

    def _ok(self, method: str, url: str, form: dict[str, str], status: int) -> bool:
        try:
            ok = http(method, url, form).status == status
        except OSError:
            return False  # killed mid-request: not acknowledged, may or may not be written
        if ok:
            with self.lock:
                self.answered += 1
        return ok


class Killer:
    def __init__(self, site: LiveSite, serve: subprocess.Popen[bytes], seed: int) -> None:
        self.site, self.serve, self.random = site, serve, random.Random(seed)
        self.born: dict[int, float] = {}
        self.report = Report()
        # What had happened at the last kill of each kind: a kill waits for the site to have
        # served (or the worker to have sent) something since, so that on a slow machine the
        # killer cannot keep a site that is still starting from ever serving.
        self.answered_at_kill = -1
        self.sent_at_kill = -1

    def run(self, kills: int, traffic: Traffic) -> None:
        while self.report.kills < kills:
            time.sleep(self.random.uniform(0.05, 0.35))
            if self.random.random() < 0.5:
                if traffic.answered == self.answered_at_kill:
                    continue
                target = self._web()
                if target is None or not kill(target):
                    continue
                self.answered_at_kill = traffic.answered
                self.report.web_kills += 1
            elif len(traffic.mailbox.messages) != self.sent_at_kill and self._kill_email_worker():
                self.sent_at_kill = len(traffic.mailbox.messages)
                self.report.email_kills += 1
            else:
                continue
            self.report.kills += 1
        traffic.done.set()

    def _web(self) -> int | None:
        return self._old_enough(granian_workers(self.serve.pid), WEB_WORKER_MIN_AGE)

    def _kill_email_worker(self) -> bool:
        workers = find(self.serve.pid, "undersigned worker")
        target = self._old_enough(workers, EMAIL_WORKER_MIN_AGE)
        return target is not None and kill(target)

    def _old_enough(self, pids: list[int], age: float) -> int | None:
        now = time.monotonic()
        for pid in pids:
            self.born.setdefault(pid, now)
        ready = [pid for pid in pids if now - self.born[pid] >= age]
        return self.random.choice(ready) if ready else None


def serve(site: LiveSite) -> subprocess.Popen[bytes]:
    """`serve --with-worker`: its supervisor restarts the email worker after each kill."""
    process = subprocess.Popen(
        [sys.executable, "-m", "undersigned", "serve", "--with-worker"]
        + ["--port", str(site.port), "--workers", str(site.workers)],
        env=site.env,
        stdout=site.log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    site.processes.append(process)
    wait_for_port(site.port)
    return process


def run(site: LiveSite, mailbox: Mailbox, kills: int, clients: int = 3, seed: int = 0) -> Report:
    started = time.monotonic()
    process = serve(site)
    traffic = Traffic(site, mailbox)
    killer = Killer(site, process, seed or random.randrange(1 << 30))
    threads = [threading.Thread(target=traffic.client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    try:
        killer.run(kills, traffic)
    finally:
        traffic.done.set()
        for thread in threads:
            thread.join(60)
    report = killer.report
    settle(site, process)
    check(site, mailbox, traffic, report)
    report.seconds = time.monotonic() - started
    return report


def settle(site: LiveSite, process: subprocess.Popen[bytes]) -> None:
    """Wait for the site to answer and the email worker to have sent everything due."""
    answers = wait_until(lambda: _answers(site), 60)
    assert answers, "the site did not come back"
    code = (
        "from undersigned.statements.models import OutboxMessage as O; "
        "print(O.objects.filter(sent_at__isnull=True, failed_at__isnull=True).count())"
    )
    drained = wait_until(lambda: shell(site, code) == "0", 180, step=1)
    if not drained:
        site.log.flush()
        tail = (site.root / "site.log").read_text()[-3000:]
        rows = shell(site, STUCK)
        raise AssertionError(f"the email worker did not drain the queue:\n{rows}\n{tail}")


STUCK = (
    "from undersigned.statements.models import OutboxMessage as O; "
    "print(list(O.objects.filter(sent_at__isnull=True, failed_at__isnull=True).values_list("
    "'pk', 'kind', 'attempts', 'last_error', 'locked_until', 'next_attempt_at')[:10]))"
)


def shell(site: LiveSite, code: str) -> str:
    """The last line CODE prints, run in the site's environment (Django's shell prints a
    line of its own first)."""
    return site.cli("shell", "-c", code).strip().splitlines()[-1]


def _answers(site: LiveSite) -> bool:
    try:
        return http("GET", f"{site.url}/en/{SLUG}/").status == 200
    except OSError:
        return False


# Run in the site's own environment: what the database holds for the acknowledged addresses.
VERIFY = """
import json, sys
from collections import Counter
from django.conf import settings
from undersigned.lib import sealing
from undersigned.statements.models import Signature, Statement
wanted = json.load(open({path!r}))
statement = Statement.objects.get(slug={slug!r})
rows = Counter()
status = {{}}
for digest, state in Signature.objects.filter(statement=statement).values_list(
        "email_digest", "status"):
    rows[digest] += 1
    status[digest] = state
digest = {{a: sealing.email_digest(settings.DEDUP_KEY, statement.pk, a) for a in wanted["signed"]}}
print(json.dumps({{
    "lost": sum(1 for a in wanted["signed"] if rows[digest[a]] == 0),
    "duplicated": sum(n - 1 for n in rows.values() if n > 1),
    "lost_confirmations": sum(
        1 for a in wanted["confirmed"] if status.get(digest[a]) != "confirmed"),
}}))
"""


def check(site: LiveSite, mailbox: Mailbox, traffic: Traffic, report: Report) -> None:
    report.acknowledged, report.confirmed = len(traffic.signed), len(traffic.confirmed)
    path = site.root / "acknowledged.json"
    path.write_text(json.dumps({"signed": traffic.signed, "confirmed": sorted(traffic.confirmed)}))
    found = json.loads(shell(site, VERIFY.format(path=str(path), slug=SLUG)))
    report.lost, report.duplicated = found["lost"], found["duplicated"]
    report.lost_confirmations = found["lost_confirmations"]
    try:
        site.cli("reconcile")
        report.reconciled = True
    except RuntimeError:
        report.reconciled = False
    for address in traffic.signed:
        received = [m for m in mailbox.to(address) if "confirm" in links_in(m)]
        report.emails_missing += not received
        report.emails_repeated += max(0, len(received) - 1)
        ids = [m["Message-ID"] for m in received]
        report.emails_repeated_same_id += len(ids) - len(set(ids))
