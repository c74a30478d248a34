"""What the repository holds: no server key, no data folder, no pile of old bench runs.

A key committed once is a key every clone holds. The four server keys (settings.py) are
generated into the data folder or set through the environment; none may sit in a tracked
file. The rule for "a key-looking value" is shown both ways on files written here, so it
neither misses a real key nor flags a settings line that reads one from the environment.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path("bench/results")
KEY_NAMES = ("SECRET_KEY", "DEDUP_KEY", "OUTBOX_KEY", "CLIENT_HASH_KEY")

# A key name as a JSON key, a Python or env assignment or a YAML entry, then its value: a
# run of base64, base64url or hex characters that ends where the value ends.
ASSIGNED = re.compile(
    r"\b(?P<name>" + "|".join(KEY_NAMES) + r")\b['\"]?\s*[:=]\s*[bBrRuU]?['\"]?"
    r"(?P<value>[A-Za-z0-9+/=_-]+)(?=['\"\s,;})\]]|$)"
)


def looks_random(value: str) -> bool:
    """Long, with letters and digits, and varied: what a generated key looks like, and what
    a placeholder (`change-me-to-a-long-random-string`, `xxxx…`) does not."""
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return (
        len(value) >= 24
        and bool(re.search("[0-9]", value))
        and classes >= 2
        and len(set(value)) >= 12
    )


def key_values(text: str) -> list[str]:
    """The names of server keys given a key-looking value in TEXT."""
    return [m["name"] for m in ASSIGNED.finditer(text) if looks_random(m["value"])]


def tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the tracked-file checks need `git ls-files`")
    answer = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if answer.returncode:
        pytest.skip(f"{ROOT} is not a git checkout: the tracked-file checks need `git ls-files`")
    return [name for name in answer.stdout.split("\0") if name]


def test_no_secrets_file_is_tracked() -> None:
    found = [name for name in tracked_files() if Path(name).name == "secrets.json"]
    assert not found, f"a secrets file is tracked, and its keys are burnt: {found}"


def test_no_tracked_file_holds_a_server_key() -> None:
    found = {}
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        names = key_values(data.decode("utf-8", "replace"))
        if names:
            found[name] = names
    assert not found, f"key-looking values for server keys in tracked files: {found}"


def test_the_rule_finds_keys_as_they_are_written(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(48)
    hexkey = secrets.token_hex(32)
    written = {
        "secrets.json": f'{{"SECRET_KEY": "{key}", "OUTBOX_KEY": "{hexkey}"}}',
        "prod.env": f"DEDUP_KEY={key}\nexport CLIENT_HASH_KEY='{hexkey}'\n",
        "local_settings.py": f'SECRET_KEY = "{key}"\nCLIENT_HASH_KEY: str = "{hexkey}"\n',
        "compose.yml": f"environment:\n  OUTBOX_KEY: {key}\n",
    }
    for name, text in written.items():
        (tmp_path / name).write_text(text)
    found = {name: key_values((tmp_path / name).read_text()) for name in written}
    assert found == {
        "secrets.json": ["SECRET_KEY", "OUTBOX_KEY"],
        "prod.env": ["DEDUP_KEY", "CLIENT_HASH_KEY"],
        "local_settings.py": ["SECRET_KEY"],
        "compose.yml": ["OUTBOX_KEY"],
    }


def test_the_rule_passes_reads_placeholders_and_docs(tmp_path: Path) -> None:
    lines = [
        'SECRET_KEY = env("SECRET_KEY") or _local["SECRET_KEY"]',
        'wanted = ("SECRET_KEY", "DEDUP_KEY", "OUTBOX_KEY", "CLIENT_HASH_KEY")',
        "digest = sealing.email_digest(settings.DEDUP_KEY, statement.pk, email)",
        '"SECRET_KEY": secrets.token_urlsafe(60),',
        "SECRET_KEY=...",
        "SECRET_KEY=<a long random string>",
        "DEDUP_KEY=$(openssl rand -base64 48)",
        "OUTBOX_KEY_FILE=/etc/undersigned/outbox-key",
        "CLIENT_HASH_KEY=change-me-to-a-long-random-string",
        'SECRET_KEY = "bare-django-bench-only"',
        'SECRET_KEY="x" * 50',
        "| `SECRET_KEY` | generated in `secrets.json` | Django's signing key. |",
        "The key for the daily hash (CLIENT_HASH_KEY) rotates: 2026-11-30 0146 vm 20 0154.",
    ]
    path = tmp_path / "docs.md"
    path.write_text("\n".join(lines) + "\n")
    assert key_values(path.read_text()) == []


@pytest.mark.parametrize(
    "path", ["data/secrets.json", "undersigned/data/secrets.json", "deploy/x/data/db.sqlite3"]
)
def test_a_data_folder_is_ignored_wherever_it_is(path: str) -> None:
    tracked_files()  # skips outside a git checkout
    answer = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
    )
    assert answer.returncode == 0, f"{path} is not ignored by .gitignore"


def test_bench_results_hold_only_the_runs_their_readme_cites() -> None:
    """The latest runs and their README; earlier runs are in the git history."""
    readme = (ROOT / RESULTS / "README.md").read_text()
    cited = set(re.findall(r"\d{4}-\d\d-\d\d-\d{4}-[\w.+-]+\.(?:md|json|txt)", readme))
    kept = {
        Path(name).name
        for name in tracked_files()
        if Path(name).parent == RESULTS and Path(name).name != "README.md"
    }
    assert cited, "the README should name the runs it reports"
    assert not cited - kept, f"the README cites runs that are not in {RESULTS}: {cited - kept}"
    stems = {name.rsplit(".", 1)[0] for name in cited}
    stale = sorted(name for name in kept if name.rsplit(".", 1)[0] not in stems)
    assert not stale, f"runs the README does not cite (git rm them; git keeps them): {stale}"
