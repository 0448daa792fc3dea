"""The `acikkapi sla` command group: business-day deadlines from the command line.

`acikkapi sla due --received 2026-03-17T10:00:00+03:00 [--days 7] [--closure 2026-03-18]
[--half-days-off]` prints the due moment as ISO 8601 with the +03:00 offset.

The receipt instant must carry an offset (`Z`, `+03:00`, `-05:00`, ...): a naive datetime is
rejected rather than guessed, because an operator pasting a UTC timestamp without `Z` would
otherwise get a deadline one day off for night-time receipts.

Every `acikkapi` invocation builds the whole parser, so this module imports only the standard library:
the calendar (and its holiday tables) is imported when a deadline is actually computed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Any

# Only for the help text, which is built on every invocation: the budget itself defaults in SlaClock
# (a test keeps the two equal).
_DEFAULT_BUDGET_HELP = "business days allowed (default 7)"


def _aware_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 datetime: {text!r} (example: 2026-03-17T10:00:00+03:00)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one, e.g. {text}+03:00 for Istanbul time or {text}Z"
        )
    return moment


def _calendar_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _budget(text: str) -> int:
    from sla_monitor.domain.clock import MAX_BUDGET_DAYS

    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if not 1 <= days <= MAX_BUDGET_DAYS:
        raise argparse.ArgumentTypeError(f"days must be between 1 and {MAX_BUDGET_DAYS}")
    return days


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds the `sla` command group to the `acikkapi` command."""
    group = subparsers.add_parser("sla", help="SLA deadlines (business days, Europe/Istanbul)")
    commands = group.add_subparsers(dest="sla_command", required=True)
    due = commands.add_parser(
        "due",
        help="print the due moment of an application received at a given instant",
        description=(
            "Prints the end (23:59:59+03:00) of the N-th Turkish business day after the Istanbul "
            "day of receipt; the day of receipt is not counted."
        ),
    )
    due.add_argument(
        "--received",
        required=True,
        type=_aware_datetime,
        help="receipt instant, ISO 8601 with an offset (2026-03-17T10:00+03:00, ...T07:00Z)",
    )
    due.add_argument(
        "--days",
        type=_budget,
        default=None,
        help=_DEFAULT_BUDGET_HELP,
    )
    due.add_argument(
        "--closure",
        type=_calendar_day,
        action="append",
        default=[],
        metavar="YYYY-MM-DD",
        help="an extra non-working day (idari izin); repeatable",
    )
    due.add_argument(
        "--half-days-off",
        action="store_true",
        help="treat half days (arife, 28 Ekim) as non-working",
    )
    due.set_defaults(handler=print_due_moment)


def print_due_moment(args: argparse.Namespace) -> int:
    """Prints the due moment for the parsed `sla due` arguments and returns the exit code."""
    from sla_monitor.domain.calendar import BusinessCalendar, CalendarSettings
    from sla_monitor.domain.clock import DEFAULT_BUDGET_DAYS, SlaClock, due_moment

    settings = CalendarSettings(
        half_days_are_business_days=not args.half_days_off,
        closures=frozenset(args.closure),
    )
    budget: int = DEFAULT_BUDGET_DAYS if args.days is None else args.days
    clock = SlaClock(received_at=args.received, budget_days=budget)
    due = due_moment(clock, BusinessCalendar(settings))
    if due is None:  # a clock without pauses always has a due moment
        print("no due moment", file=sys.stderr)
        return 1
    print(due.isoformat())
    return 0
