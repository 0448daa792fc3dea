"""Schemathesis hooks for the intake fuzz run (loaded by the CLI through SCHEMATHESIS_HOOKS).

Without them every generated Open311 POST carries a random api_key and ends at the 403 check, so the
fuzz run would never reach validation or registration. Each generated form gets the integrator's real
key (ACIKKAPI_FUZZ_API_KEY) and, on top of a valid submission, the generated value of one field (or of
every field, for a quarter of the forms): the validators see hostile values one at a time next to
otherwise valid data, and the valid ones are registered through the command path.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import schemathesis

from intake.open311.post import FORM_EXAMPLE


@schemathesis.hook
def map_body(ctx: Any, body: Any) -> Any:
    operation = ctx.operation
    if operation.method.upper() != "POST" or not operation.path.startswith("/open311/v2/requests"):
        return body
    if not isinstance(body, dict):
        return body
    generated = {name: value for name, value in body.items() if name != "api_key"}
    choice = zlib.crc32(repr(sorted(generated.items(), key=str)).encode())
    if choice % 4 == 0:
        form = dict(generated)  # every field as generated
    else:
        form = dict(FORM_EXAMPLE)
        fields = sorted(generated)
        if fields:
            field = fields[(choice // 4) % len(fields)]
            form[field] = generated[field]
    form["api_key"] = os.environ["ACIKKAPI_FUZZ_API_KEY"]
    return form
