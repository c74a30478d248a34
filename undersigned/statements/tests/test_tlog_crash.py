"""kill -9 of the worker in the middle of appending leaves: after a restart the log is
complete and consistent (issue 17). Real processes on a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SETUP = """
import django; django.setup()
from undersigned.statements import tlog
from undersigned.statements.models import Signature
from undersigned.test import make_statement
statement = make_statement()
def sign(i):
    s, _ = Signature.sign(statement, language="en", name=f"P {i}", email=f"p{i}@example.org",
                          country="UA")
    s.confirm()
for i in range(40):
    sign(i)
tlog.tick()
for s in Signature.objects.order_by("pk")[:3]:
    s.withdraw()
for i in range(40, 45):
    sign(i)
"""

# A worker pass that has written its leaves and is killed before it commits them.
CRASHING_TICK = """
import os, sys, time, django; django.setup()
from undersigned.statements import tlog
from undersigned.statements.models import LogLeaf
manager = type(LogLeaf.objects)
original = manager.bulk_create
def bulk_create(self, objs, *args, **kwargs):
    created = original(self, objs, *args, **kwargs)
    print("appended", len(created), flush=True)
    time.sleep(60)
    return created
manager.bulk_create = bulk_create
tlog.tick()
"""

CHECK = """
import json, django; django.setup()
from undersigned.lib.tlog import countlog, merkle
from undersigned.lib.tlog.checkpoint import open_checkpoint
from undersigned.statements import tlog
from undersigned.statements.models import LogLeaf, Signature, Statement
statement = Statement.objects.get()
tlog.tick()
leaves = list(LogLeaf.objects.order_by("index"))
entries = [bytes(leaf.entry) for leaf in leaves]
latest = tlog.latest_checkpoint(statement)
opened = open_checkpoint(latest.note, tlog.signer(statement).verifier)
print(json.dumps({
    "indexes": [leaf.index for leaf in leaves],
    "count": countlog.recount(entries, statement.slug).count,
    "counted_rows": Signature.objects.filter(counted=True).count(),
    "checkpoint_size": opened.checkpoint.size,
    "root_matches": merkle.LeafList([merkle.leaf_hash(e) for e in entries]).root()
        == opened.checkpoint.root,
}))
"""


def python(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_a_worker_killed_mid_append_leaves_a_complete_consistent_log(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "REDIS_URL": "",
        "LOG_CHECKPOINT_SECONDS": "0",
    }
    migrate = [sys.executable, "-m", "undersigned", "migrate", "-v", "0"]
    subprocess.run(migrate, env=env, check=True, timeout=180)
    assert python(env, SETUP).returncode == 0
    worker = subprocess.Popen(
        [sys.executable, "-c", CRASHING_TICK], env=env, stdout=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().startswith("appended 8")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    checked = python(env, CHECK)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["indexes"] == list(range(48))
    assert report["count"] == report["counted_rows"] == 42
    assert report["checkpoint_size"] == 48 and report["root_matches"]
