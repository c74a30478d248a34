"""The browser's sealing libraries are vendored from npm, byte for byte (issue 19, item 3).

They are served from our own origin (P6) and must be there after `make demo` on a machine
without npm, so they live in the package's static files; this test ties each one to the
exact npm release in package-lock.json (`make vendor-js` writes them again).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "undersigned" / "public" / "static" / "undersigned" / "vendor"
MODULES = ROOT / "node_modules"

# blakejs ships CommonJS modules; the browser gets them wrapped, unchanged inside.
BLAKE_HEAD = (
    "/*! blakejs VERSION (CC0-1.0), util.js and blake2b.js unchanged, wrapped for the "
    "browser by `make vendor-js`: window.blakejs.blake2b */\n"
    "(function () {\n'use strict';\nvar util = (function (module) {\n"
)
BLAKE_MIDDLE = "\nreturn module.exports;\n})({exports: {}});\n(function (module, require) {\n"
BLAKE_TAIL = (
    "\nwindow.blakejs = module.exports;\n})({exports: {}}, function () { return util; });\n})();\n"
)


def expected() -> dict[str, bytes]:
    blake = MODULES / "blakejs"
    version = json.loads((blake / "package.json").read_text())["version"]
    wrapped = (
        BLAKE_HEAD.replace("VERSION", version)
        + (blake / "util.js").read_text()
        + BLAKE_MIDDLE
        + (blake / "blake2b.js").read_text()
        + BLAKE_TAIL
    )
    return {
        "nacl-fast.min.js": (MODULES / "tweetnacl" / "nacl-fast.min.js").read_bytes(),
        "blake2b.js": wrapped.encode(),
    }


def write() -> None:
    """`make vendor-js`: copy the npm releases into the static files."""
    for name, body in expected().items():
        (VENDOR / name).write_bytes(body)


def test_the_vendored_files_are_the_npm_releases_locked() -> None:
    if not MODULES.joinpath("tweetnacl").exists():
        pytest.fail("node_modules lacks tweetnacl: run `npm ci` (make install-test)")
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/tweetnacl"]["version"] == "1.0.3"
    assert lock["node_modules/blakejs"]["version"] == "1.2.1"
    for name, body in expected().items():
        assert (VENDOR / name).read_bytes() == body, f"{name}: run `make vendor-js`"
