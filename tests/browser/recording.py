"""The site as deployed, plus one middleware, outermost, that appends every request body
the server receives to a file (RECORD_BODIES_TO): what a logging proxy or a compromised
process on the server could keep. Used as DJANGO_SETTINGS_MODULE by test_seal_forms.py."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from undersigned.settings import *  # noqa: F403
from undersigned.settings import MIDDLEWARE as DEPLOYED

MIDDLEWARE = ["tests.browser.recording.RecordBodies", *DEPLOYED]


class RecordBodies:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.path = os.environ["RECORD_BODIES_TO"]

    def __call__(self, request: Any) -> Any:
        body = request.body  # read first and kept: the form still parses it after this
        line = {"method": request.method, "path": request.path, "body": body.decode("latin-1")}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        return self.get_response(request)
