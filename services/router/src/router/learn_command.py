"""`acikkapi route learn`: the office's hand routings as examples, and what retraining on them would do.

The decisions and the petitions (`PetitionRecorded`: text, topic, type, district) come from the router's
log, reached through its composition root (router.app) like the other commands that read a service's
log, so a payload codec in force is honoured; a case routed before the router kept its petition is
looked up in intake's log, as `acikkapi audit` reads it. Nothing changes unless
`--write` is given: then the examples join the training data (tests/unit/data/office_routings.jsonl)
and the committed model is retrained. A proposed table (`--table`, not with `--write`) is only shown:
the table is reviewed like code, and the model retrained after it changes. A hand routing the office
marked `unclear_from_text` becomes an example for triage (ACIKKAPI), not for the institution it chose.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from acikkapi_shared.access_log import log_personal_data_access
from acikkapi_shared.clock import SystemClock
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.eventstore.database import create_engine
from acikkapi_shared.eventstore.schema import events as events_table
from acikkapi_shared.eventstore.store import SqlAlchemyEventStore
from acikkapi_shared.settings import ServiceSettings, load_settings
from router.domain.classifier import Classifier
from router.domain.combined import Router
from router.domain.routing import RoutingRequest, RoutingTable, RoutingTableError
from router.evaluation import Report
from router.learning import (
    HAND_ROUTED,
    RECORDED,
    ROUTED,
    Comparison,
    OfficeExample,
    compare,
    office_decisions,
    office_examples,
    read_examples,
    recorded_petitions,
    request_of,
    retrained,
    test_parts,
    write_examples,
)
from router.training import DATA_DIR, OFFICE_EXAMPLES, TESTS_DATA, save, train

PAGE = 1000
# Where --write puts the examples and the model (module variables, so a test can point them elsewhere).
TRAINING_DATA = TESTS_DATA
MODEL_DIR = DATA_DIR


def settings_of(service: str, data_dir: Path | None) -> ServiceSettings:
    """Returns a service's settings from the environment, with data_dir when given."""
    settings = load_settings(service, 0)
    return settings if data_dir is None else settings.model_copy(update={"data_dir": data_dir})


async def router_events(data_dir: Path | None) -> list[EventEnvelope]:
    """Returns the router's routing decisions, automatic and by hand, and its petitions, in log order."""
    from router.app import build_runtime

    runtime = build_runtime(settings_of("router", data_dir))
    found: list[EventEnvelope] = []
    try:
        async with runtime.engine.connect() as connection:
            position, more = 0, await _has_log(connection)
            while more:
                page, position, more = await runtime.store.read_types_after(
                    connection, position, PAGE, frozenset({ROUTED, HAND_ROUTED, RECORDED})
                )
                # Stored form: decoded again by id, so a payload codec in force is honoured.
                found += await runtime.store.read_events(connection, [str(e.event_id) for e in page])
    finally:
        await runtime.engine.dispose()
        await runtime.read_engine.dispose()
    return found


async def registered_petitions(data_dir: Path | None, numbers: Sequence[str]) -> dict[str, RoutingRequest]:
    """Returns the routing request of each application, from intake's registrations."""
    if missing_database("intake", data_dir) is not None:
        return {}  # read-only SQLite cannot open a file that is not there
    engine = create_engine(settings_of("intake", data_dir).resolved_database_url(), read_only=True)
    store = SqlAlchemyEventStore("intake", SystemClock())
    found: dict[str, RoutingRequest] = {}
    try:
        async with engine.connect() as connection:
            if not await _has_log(connection):
                return found
            for start in range(0, len(numbers), PAGE):
                for event in await store.read_correlated(connection, numbers[start : start + PAGE]):
                    if event.type == "ApplicationRegistered":
                        found[event.payload["application_number"]] = request_of(event.payload)
    finally:
        await engine.dispose()
    return found


async def _has_log(connection: AsyncConnection) -> bool:
    # A service that never ran here has no log (or no database file) yet: nothing to read.
    return bool(await connection.run_sync(lambda sync: sa.inspect(sync).has_table(events_table.name)))


async def gather(data_dir: Path | None) -> list[OfficeExample]:
    """Returns the labelled examples of every hand routing whose petition intake still holds."""
    events = await router_events(data_dir)
    decisions = office_decisions(events)
    petitions = recorded_petitions(events)
    missing = sorted(number for number in decisions if number not in petitions)
    if missing:
        petitions |= await registered_petitions(data_dir, missing)
    return office_examples(decisions, petitions)


def learn_command(args: argparse.Namespace) -> int:
    """Writes the examples, shows what a retrained router would do on the test parts, writes with --write."""
    table = None
    if args.table is not None:
        try:
            table = RoutingTable.from_yaml_text(args.table.read_text("utf-8"))
        except (OSError, RoutingTableError) as error:
            print(f"cannot load the proposed routing table: {error}", file=sys.stderr)
            return 2
    current = Router.load_default()  # before anything is written
    missing = missing_database("router", args.data_dir)
    if missing is not None:
        print(f"no router database at {missing} (is --data-dir the services' data folder?)", file=sys.stderr)
        return 2
    examples = asyncio.run(gather(args.data_dir))
    target = args.examples or settings_of("router", args.data_dir).data_dir / "route-learn" / "examples.jsonl"
    try:
        write_examples(examples, target)
    except (OSError, ValueError) as error:
        print(f"cannot write the examples: {error}", file=sys.stderr)
        return 2
    print(f"{len(examples)} hand routing(s) written as examples to {target}: {_kinds(examples)}")
    if examples:  # citizens' words exported in full: recorded like `acikkapi audit --unmasked`
        log_dir = settings_of("router", args.data_dir).data_dir.parent / "logs"
        numbers = ", ".join(example.id for example in examples)
        purpose = "added to the training data (--write)" if args.write else "compared on the test parts"
        log_personal_data_access(numbers, f"route learn: training examples, {purpose}", log_dir)
    if not examples and table is None:
        print("nothing to learn from: no petition routed by hand yet")
        return 0
    if args.write:
        # The examples join the training data first, so the model shown is the one written.
        write_training_data(examples, TRAINING_DATA / OFFICE_EXAMPLES)
        arrays, meta = train(TRAINING_DATA)
        save(arrays, meta, MODEL_DIR)
        proposed = Router(RoutingTable.load_default(), Classifier.load(MODEL_DIR))
    else:
        proposed = retrained(examples, table, TRAINING_DATA)[0]
    for comparison in compare(current, proposed, test_parts(TRAINING_DATA)):
        print(format_comparison(comparison))
    if not args.write:
        print("\nnothing changed (--write adds the examples to the training data and rewrites the model)")
    else:
        print(f"\nmodel {proposed.model_version} written to {MODEL_DIR}, trained with the office's examples")
        print("the running router keeps the model it started with: restart it to route with this one")
        print(
            f"{TRAINING_DATA / OFFICE_EXAMPLES} now holds citizens' words and application numbers: it is "
            "this office's training data under KVKK, not for a public repository (keep it out of commits "
            "you publish)"
        )
    return 0


def _kinds(examples: Sequence[OfficeExample]) -> str:
    unclear = sum(example.unclear_from_text for example in examples)
    return (
        f"{len(examples) - unclear} for the institution the office chose, "
        f"{unclear} unclear from the text (expected: triage)"
    )


def _excerpt(text: str, length: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def missing_database(service: str, data_dir: Path | None) -> Path | None:
    """Returns a service's SQLite file when it is not there (a mistyped --data-dir: nothing is created
    there), else None (it exists, or the service's database is not SQLite)."""
    settings = settings_of(service, data_dir)
    if not settings.resolved_database_url().startswith("sqlite"):
        return None
    path = settings.data_dir / f"{service}.db"
    return None if path.exists() else path


def write_training_data(examples: Sequence[OfficeExample], path: Path) -> None:
    """Adds the examples to the office's training file; a case decided again keeps its latest label."""
    kept = {example.id: example for example in (read_examples(path) if path.exists() else [])}
    kept.update((example.id, example) for example in examples)
    write_examples([kept[number] for number in sorted(kept)], path)


FIGURES = ("clear petitions routed right", "unclear sent to an institution", "routed (not triage)", "wrong")


def _figures(report: Report) -> list[str]:
    return [
        f"{report.clear_correct}/{report.clear} = {report.accuracy_clear:.1%}",
        f"{report.unclear_to_institution}",
        f"{report.routed}",
        f"{report.routed_wrong} = {report.wrong_rate:.1%} of routed",
    ]


def format_comparison(comparison: Comparison) -> str:
    """Returns the before/after figures of one test part and its changed petitions."""
    lines = [f"\n{comparison.split} part ({comparison.before.total} petitions): now → retrained"]
    figures = [_figures(comparison.before), _figures(comparison.after)]
    for name, before, after in zip(FIGURES, *figures, strict=True):
        lines.append(f"  {name}: {before} → {after}")
    verdicts = [change.verdict for change in comparison.changes]
    lines.append(
        f"  {len(verdicts)} changed: {verdicts.count('better')} better, {verdicts.count('worse')} worse, "
        f"{verdicts.count('other')} wrong either way"
    )
    for change in comparison.changes:
        lines.append(
            f"  {change.verdict:6} {change.id}: expected {change.expected}, {change.before} → {change.after}"
            f"  «{_excerpt(change.text)}»"
        )
    return "\n".join(lines)
