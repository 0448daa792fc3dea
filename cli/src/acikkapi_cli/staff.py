"""The `staff` command group: the local identity provider's users, tokens and keys (development).

Declared here, apart from its implementation (acikkapi_shared.staff.local), like every group: the
handlers import PyJWT and the cryptography library only when they run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Pure and light (the standard library only): the parser offers the roles themselves as choices.
from acikkapi_shared.staff.identity import Role

if TYPE_CHECKING:
    from acikkapi_shared.staff.local import LocalIssuer


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds the `staff` command group."""
    staff = subparsers.add_parser(
        "staff",
        help="local staff users and their tokens (a stand-in for the identity provider)",
        description="Creates staff users and issues them signed tokens that the services accept "
        "(they read the public key set, ACIKKAPI_STAFF_JWKS_FILE). In production an identity provider "
        "issues the tokens instead: see README, Staff identities.",
    )
    commands = staff.add_subparsers(dest="staff_command", required=True)
    add = commands.add_parser("add", help="add a user, or replace the one with this id")
    add.add_argument("subject", metavar="ID", help="the user's id, the token's subject")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument(
        "--role",
        dest="roles",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="repeatable",
    )
    add.add_argument("--institution", help="institution code (reference data); an institution_officer's only")
    _add_staff_dir(add)
    add.set_defaults(handler=_add)

    listing = commands.add_parser("list", help="list the users")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    _add_staff_dir(listing)
    listing.set_defaults(handler=_list)

    token = commands.add_parser("token", help="print a signed bearer token for a user")
    token.add_argument("subject", metavar="ID")
    token.add_argument("--hours", type=float, default=8.0, help="how long it is valid (default 8)")
    _add_staff_dir(token)
    token.set_defaults(handler=_token)

    keys = commands.add_parser("keys", help="print the public key set's path and content (creates it)")
    _add_staff_dir(keys)
    keys.set_defaults(handler=_keys)


def _add_staff_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--staff-dir",
        type=Path,
        default=None,
        help="folder of the local keys and users "
        "(default: $ACIKKAPI_STAFF_DIR, or $ACIKKAPI_VAR_DIR/staff, or var/staff)",
    )


def _issuer(args: argparse.Namespace) -> LocalIssuer:
    from acikkapi_shared.staff.local import AUDIENCE, DEFAULT_STAFF_DIR, LOCAL_ISSUER, LocalIssuer

    # Where `acikkapi dev up` keeps them: var/staff beside the rest of the local stack's files.
    var = os.environ.get("ACIKKAPI_VAR_DIR")
    default = Path(var) / "staff" if var else DEFAULT_STAFF_DIR
    directory = args.staff_dir or Path(os.environ.get("ACIKKAPI_STAFF_DIR", default))
    # The services check these two claims: the same variables as theirs (ACIKKAPI_STAFF_*).
    return LocalIssuer(
        directory,
        issuer=os.environ.get("ACIKKAPI_STAFF_ISSUER", LOCAL_ISSUER),
        audience=os.environ.get("ACIKKAPI_STAFF_AUDIENCE", AUDIENCE),
    )


def _add(args: argparse.Namespace) -> int:
    from acikkapi_shared.reference import kars
    from acikkapi_shared.staff.identity import InvalidIdentity
    from acikkapi_shared.staff.local import StaffUser

    if args.institution is not None and args.institution not in kars().institutions:
        print(f"unknown institution code {args.institution!r} (see the reference data)", file=sys.stderr)
        return 2
    try:
        user = StaffUser(
            subject=args.subject,
            display_name=args.name,
            roles=tuple(dict.fromkeys(Role(role) for role in args.roles)),
            institution=args.institution,
        )
    except InvalidIdentity as invalid:
        print(f"not a valid staff user: {invalid}", file=sys.stderr)
        return 2
    issuer = _issuer(args)
    is_new = issuer.add_user(user)
    issuer.ensure_keys()
    print(f"{'added' if is_new else 'updated'} {user.subject} in {issuer.users_path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    users = _issuer(args).users()
    if args.json:
        items = [
            {
                "subject": user.subject,
                "display_name": user.display_name,
                "roles": [role.value for role in user.roles],
                "institution": user.institution,
            }
            for user in users
        ]
        print(json.dumps(items, ensure_ascii=False))
        return 0
    for user in users:
        roles = ",".join(role.value for role in user.roles)
        print(f"{user.subject}\t{user.display_name}\t{roles}\t{user.institution or '-'}")
    return 0


def _token(args: argparse.Namespace) -> int:
    issuer = _issuer(args)
    try:
        print(issuer.issue_token(args.subject, hours=args.hours))
    except KeyError:
        print(f"no staff user {args.subject!r}: add it first (acikkapi staff add)", file=sys.stderr)
        return 1
    except ValueError as invalid:
        print(str(invalid), file=sys.stderr)
        return 2
    return 0


def _keys(args: argparse.Namespace) -> int:
    issuer = _issuer(args)
    issuer.ensure_keys()
    print(issuer.jwks_path.resolve())
    print(json.dumps(issuer.jwks(), indent=2))
    return 0
