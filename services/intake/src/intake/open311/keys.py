"""Open311 API keys of integrators: issued once, stored only as SHA-256 digests.

The file (ACIKKAPI_INTAKE_OPEN311_KEYS_FILE, default `<data dir>/open311-api-keys.json`, mode 0600)
holds `{"integrators": {"<name>": {"sha256": "<hex>", "issued_at": "<ISO>"}}}`. A key is 32 random
bytes (url-safe base64) shown once when issued:

    uv run python -m intake.open311.keys issue belediye-mobil   # prints the key
    uv run python -m intake.open311.keys list
    uv run python -m intake.open311.keys revoke belediye-mobil

intake reads the file again whenever it changes, so issuing or revoking needs no restart.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

from acikkapi_shared.settings import load_settings

KEYS_FILE_NAME = "open311-api-keys.json"


def digest(key: str) -> str:
    """Returns the stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    integrators: dict[str, dict[str, str]] = document.get("integrators", {})
    return integrators


def _write(path: Path, integrators: dict[str, dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"integrators": integrators}, file, indent=2, sort_keys=True)
    partial.replace(path)


def issue(path: Path, integrator: str, *, now: datetime | None = None) -> str:
    """Issues a new key for the integrator (replacing its old one); returns the key, never stored."""
    if (
        not integrator
        or not integrator.isascii()
        or not integrator.replace("-", "").replace("_", "").isalnum()
    ):
        raise ValueError("an integrator's name is ASCII letters, digits, - and _")
    key = secrets.token_urlsafe(32)
    integrators = _read(path)
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    integrators[integrator] = {"sha256": digest(key), "issued_at": moment}
    _write(path, integrators)
    return key


def revoke(path: Path, integrator: str) -> bool:
    """Removes the integrator's key; returns whether it had one."""
    integrators = _read(path)
    found = integrators.pop(integrator, None) is not None
    _write(path, integrators)
    return found


class ApiKeys:
    """The integrators' keys, read from the file again when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._by_digest: dict[str, str] = {}

    def integrator_of(self, key: str) -> str | None:
        """Returns the integrator the key was issued to, or None for a wrong or revoked key."""
        self._refresh()
        if not key:
            return None
        return self._by_digest.get(digest(key))

    def _refresh(self) -> None:
        try:
            status = self.path.stat()
            stamp = (status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return
        integrators = _read(self.path) if stamp else {}
        self._by_digest = {entry["sha256"]: name for name, entry in integrators.items()}
        self._stamp = stamp


def default_keys_file() -> Path:
    """Returns the keys file intake uses: the setting, else the one in its data folder."""
    configured = os.environ.get("ACIKKAPI_INTAKE_OPEN311_KEYS_FILE")
    if configured:
        return Path(configured)
    return load_settings("intake", 8001).data_dir / KEYS_FILE_NAME


def main(argv: list[str] | None = None) -> int:
    """The command line: issue, list, revoke."""
    parser = argparse.ArgumentParser(prog="python -m intake.open311.keys", description=__doc__)
    parser.add_argument("action", choices=["issue", "list", "revoke"])
    parser.add_argument("integrator", nargs="?", default="")
    parser.add_argument("--file", type=Path, default=None, help="the keys file (default: intake's)")
    arguments = parser.parse_args(argv)
    path = arguments.file or default_keys_file()
    if arguments.action == "list":
        for name, entry in sorted(_read(path).items()):
            print(f"{name}\tissued {entry['issued_at']}")
        return 0
    if not arguments.integrator:
        parser.error("name the integrator")
    if arguments.action == "issue":
        print(issue(path, arguments.integrator))
        return 0
    return 0 if revoke(path, arguments.integrator) else 1


if __name__ == "__main__":
    sys.exit(main())
