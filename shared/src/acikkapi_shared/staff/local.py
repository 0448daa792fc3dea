"""The local token issuer, for development and tests: what an identity provider does in production.

Under its folder (var/staff by default) it keeps an Ed25519 key pair, created on first use: the private
key (signing-key.pem, mode 0600) and the public key as the JWKS file the services read (jwks.json);
and the users it issues tokens to (users.json: subject, display name, roles, institution).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from acikkapi_shared.clock import Clock, SystemClock
from acikkapi_shared.staff.identity import Role, StaffIdentity

DEFAULT_STAFF_DIR = Path("var/staff")
JWKS_FILE = "jwks.json"
PRIVATE_KEY_FILE = "signing-key.pem"
USERS_FILE = "users.json"
LOCAL_ISSUER = "acikkapi-local"
AUDIENCE = "acikkapi"


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A member of staff the local issuer knows; the identity checks its roles and institution."""

    subject: str
    display_name: str
    roles: tuple[Role, ...]
    institution: str | None = None

    def __post_init__(self) -> None:
        self.identity()  # InvalidIdentity for a combination no identity can have

    def identity(self) -> StaffIdentity:
        """Returns the identity a token of this user carries."""
        return StaffIdentity(self.subject, frozenset(self.roles), self.institution)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> StaffUser:
        """Returns the user of a users.json entry."""
        return cls(
            subject=item["subject"],
            display_name=item["display_name"],
            roles=tuple(Role(role) for role in item["roles"]),
            institution=item.get("institution"),
        )


class LocalIssuer:
    """Creates the key pair and users, and issues signed tokens (EdDSA) to those users."""

    def __init__(
        self,
        directory: Path = DEFAULT_STAFF_DIR,
        *,
        issuer: str = LOCAL_ISSUER,
        audience: str = AUDIENCE,
        clock: Clock | None = None,
    ) -> None:
        self.directory = directory
        self.issuer = issuer
        self.audience = audience
        self.clock = clock or SystemClock()

    @property
    def jwks_path(self) -> Path:
        """The public key set the services read (ACIKKAPI_STAFF_JWKS_FILE)."""
        return self.directory / JWKS_FILE

    @property
    def users_path(self) -> Path:
        """The users file."""
        return self.directory / USERS_FILE

    def ensure_keys(self) -> str:
        """Creates the key pair and the JWKS file where missing; returns the key id."""
        private_path = self.directory / PRIVATE_KEY_FILE
        if not private_path.exists():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_atomically(private_path, pem, mode=0o600)
        key = self._private_key()
        public = public_jwk(key)
        if not self.jwks_path.exists() or self.jwks() != {"keys": [public]}:
            _write_atomically(self.jwks_path, _json_bytes({"keys": [public]}), mode=0o644)
        return str(public["kid"])

    def jwks(self) -> dict[str, Any]:
        """Returns the JWKS file's content."""
        document: dict[str, Any] = json.loads(self.jwks_path.read_text("utf-8"))
        return document

    def users(self) -> list[StaffUser]:
        """Returns the known users, sorted by subject."""
        if not self.users_path.exists():
            return []
        document = json.loads(self.users_path.read_text("utf-8"))
        return sorted((StaffUser.from_json(item) for item in document["users"]), key=lambda u: u.subject)

    def user(self, subject: str) -> StaffUser:
        """Returns the user with this subject; KeyError when there is none."""
        for user in self.users():
            if user.subject == subject:
                return user
        raise KeyError(subject)

    def add_user(self, user: StaffUser) -> bool:
        """Adds the user, or replaces the one with its subject; returns True when it is new."""
        others = [known for known in self.users() if known.subject != user.subject]
        is_new = len(others) == len(self.users())
        self._write_users([*others, user])
        return is_new

    def issue_token(self, subject: str, hours: float = 8) -> str:
        """Returns a token for a known user, valid for this many hours; KeyError for an unknown one."""
        if hours <= 0:
            raise ValueError("a token must be valid for some time")
        user = self.user(subject)
        now = int(self.clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user.subject,
            "iat": now,
            "exp": now + int(timedelta(hours=hours).total_seconds()),
            "roles": [role.value for role in user.roles],
        }
        if user.institution is not None:
            claims["institution"] = user.institution
        return self.sign(claims)

    def sign(self, claims: dict[str, Any]) -> str:
        """Returns these claims signed with the local key, its kid in the header (tests craft tokens)."""
        kid = self.ensure_keys()
        return jwt.encode(claims, self._private_key(), algorithm="EdDSA", headers={"kid": kid})

    def _private_key(self) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key((self.directory / PRIVATE_KEY_FILE).read_bytes(), None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{self.directory / PRIVATE_KEY_FILE} is not an Ed25519 private key")
        return key

    def _write_users(self, users: Iterable[StaffUser]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        items = [
            {**asdict(user), "roles": [role.value for role in user.roles]}
            for user in sorted(users, key=lambda u: u.subject)
        ]
        _write_atomically(self.users_path, _json_bytes({"users": items}), mode=0o600)


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    """Returns the public JWK of an Ed25519 key, its kid the RFC 7638 thumbprint."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    thumbprint = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return {**members, "kid": _b64url(thumbprint), "alg": "EdDSA", "use": "sig"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Writes the file whole or not at all, created with this mode (never readable by others first)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(temporary, mode)  # the umask may have narrowed it
    os.replace(temporary, path)
