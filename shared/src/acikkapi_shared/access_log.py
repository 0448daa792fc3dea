"""Who saw whose personal data, when and why: one JSON line per access (KVKK accountability), in
`<logs>/audit-access.jsonl` beside the services' logs. Written by the commands that show or export
citizens' data in full (`acikkapi audit --unmasked`, `acikkapi route learn`)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from acikkapi_shared.clock import SystemClock

ACCESS_LOG = "audit-access.jsonl"


def log_personal_data_access(identifier: str, reason: str, log_dir: Path) -> None:
    """Appends who saw or exported whose personal data (identifier), when and why, as one JSON line."""
    log_dir.mkdir(parents=True, exist_ok=True)
    entry = {
        "at": SystemClock().now().isoformat(),
        "user": getpass.getuser(),
        "identifier": identifier,
        "reason": reason,
    }
    with (log_dir / ACCESS_LOG).open("a", encoding="utf-8") as access_log:
        access_log.write(json.dumps(entry, ensure_ascii=False) + "\n")
