"""What the office teaches the router: its hand routings as labelled examples, and what they would change.

Every case the office routed by hand (`CaseRoutedByHand`: from the triage queue, or re-routed after a
wrong decision) is a petition whose institution a person chose. `office_examples` joins those decisions
(the last one of each case wins) with the petitions' text, topic, type and district (the router's own
`PetitionRecorded`, or intake's registration for cases routed before it was kept); a decision the office
marked `unclear_from_text` (it could not have routed it from the words either) is an example for triage,
the label the corpus gives unclear petitions, not for the institution chosen; `compare` routes the
held-out test parts with the committed router and with a router retrained on the examples (and,
optionally, a proposed routing table), and tells which petitions change and whether for the better.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.classifier import Classifier, pack
from router.domain.combined import Router
from router.domain.routing import RoutingDecision, RoutingRequest, RoutingTable
from router.evaluation import Petition, Report, evaluate, load_corpus
from router.training import TESTS_DATA, Example, load_examples, train_on

HAND_ROUTED = "CaseRoutedByHand"
ROUTED = "CaseRouted"
RECORDED = "PetitionRecorded"
# The held-out parts a change is judged on: (file under the corpus folder, split), when present.
TEST_PARTS = (("petitions.jsonl", "test"), ("petitions_b2.jsonl", "test2"))


@dataclass(frozen=True, slots=True)
class OfficeExample:
    """One hand-routed petition as a labelled example (the JSON line of the examples file)."""

    id: str  # the application number
    text: str
    topic: str
    type: str
    district: str
    expected: str  # the institution the office chose; ACIKKAPI (triage) when unclear_from_text
    routed_to: str  # what the router had decided (ACIKKAPI: triage)
    rule: str
    model_version: str
    set: str = "office"
    unclear_from_text: bool = False  # the office said its words could not tell (absent in older files)

    def as_example(self) -> Example:
        """Returns it as a training example (never used to calibrate the combiner: see training)."""
        return Example(self.text, self.district, self.topic, self.type, self.expected, False, self.id)


def office_decisions(events: Iterable[EventEnvelope]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Returns, per application number routed by hand, the router's decision and the office's last one."""
    routed: dict[str, dict[str, Any]] = {}
    by_hand: dict[str, dict[str, Any]] = {}
    for event in events:
        number = event.payload.get("application_number", "")
        if event.type == ROUTED:
            routed[number] = event.payload
        elif event.type == HAND_ROUTED:
            by_hand[number] = event.payload
    return {number: (routed.get(number, {}), hand) for number, hand in by_hand.items()}


def recorded_petitions(events: Iterable[EventEnvelope]) -> dict[str, RoutingRequest]:
    """Returns the routing request of each petition the router recorded, by application number."""
    return {
        event.payload["application_number"]: request_of(event.payload)
        for event in events
        if event.type == RECORDED
    }


def request_of(payload: Mapping[str, Any]) -> RoutingRequest:
    """Returns the routing request of a registration or a recorded petition (they share the fields)."""
    return RoutingRequest(payload["topic"], payload["district"], payload["type"], payload["text"])


def office_examples(
    decisions: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]],
    petitions: Mapping[str, RoutingRequest],
) -> list[OfficeExample]:
    """Returns the labelled examples of the hand routings whose petition is known, by application number."""
    examples = []
    for number in sorted(decisions):
        request = petitions.get(number)
        if request is None:
            continue  # neither log holds it (or another data folder): nothing to learn from
        routed, hand = decisions[number]
        unclear = hand.get("unclear_from_text") is True  # absent: a decision made before it could be said
        examples.append(
            OfficeExample(
                id=number,
                text=request.text,
                topic=request.topic,
                type=request.type,
                district=request.district,
                expected=TRIAGE_INSTITUTION if unclear else hand["institution"],
                routed_to=routed.get("institution", ""),
                rule=routed.get("rule", ""),
                model_version=routed.get("model_version", ""),
                unclear_from_text=unclear,
            )
        )
    return examples


def write_examples(examples: Sequence[OfficeExample], path: Path) -> None:
    """Writes the examples as JSON lines, readable by the owner only (they hold citizens' texts): into a
    new file (mode 0600 from its creation) that then replaces the old one, so a file made readable to
    others, or a link to another file, is never written through. ValueError for a link or a folder."""
    if path.is_symlink() or path.is_dir():
        raise ValueError(f"{path} is a link or a folder, not an examples file")
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(asdict(example), ensure_ascii=False) for example in examples]
    fresh = path.with_name(f".{path.name}.{os.getpid()}.new")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)


def read_examples(path: Path) -> list[OfficeExample]:
    """Returns the examples of a file written by write_examples."""
    lines = path.read_text("utf-8").splitlines()
    return [OfficeExample(**json.loads(line)) for line in lines if line.strip()]


def retrained(
    examples: Sequence[OfficeExample], table: RoutingTable | None = None, data_dir: Path = TESTS_DATA
) -> tuple[Router, dict[str, Any], bytes]:
    """Returns a router trained on the training data plus the examples (and the table's decisions)."""
    # A case already in the training data (an earlier --write) is replaced by its latest decision.
    ids = {example.id for example in examples}
    known = [example for example in load_examples(data_dir) if not (example.id and example.id in ids)]
    arrays, meta = train_on([*known, *(example.as_example() for example in examples)], table)
    meta["version"] = "proposed"
    packed = pack(arrays["idf"].tolist(), arrays["coef"].T.tolist(), arrays["intercept"].tolist())
    return Router(table or RoutingTable.load_default(), Classifier(packed, meta)), meta, packed


@dataclass(frozen=True, slots=True)
class Change:
    """A test petition decided otherwise by the proposed router."""

    id: str
    split: str
    expected: str
    before: str
    after: str
    text: str = ""  # the test petition's words (invented for the corpus: no citizen's)

    @property
    def verdict(self) -> str:
        """Returns "better", "worse" or "other" (wrong before and after)."""
        if self.after == self.expected:
            return "better"
        if self.before == self.expected:
            return "worse"
        return "other"


@dataclass(frozen=True, slots=True)
class Comparison:
    """The committed and the proposed router on one test part."""

    split: str
    before: Report
    after: Report
    changes: list[Change]


def test_parts(data_dir: Path = TESTS_DATA) -> list[list[Petition]]:
    """Returns the held-out test parts that exist."""
    corpus = data_dir / "kars_corpus"
    return [load_corpus(corpus / name, split) for name, split in TEST_PARTS if (corpus / name).exists()]


def compare(current: Router, proposed: Router, parts: Sequence[Sequence[Petition]]) -> list[Comparison]:
    """Returns, for each test part, both routers' reports and the petitions whose decision changed."""
    result = []
    for part in parts:
        # Keyed by the request object itself: evaluate hands each petition's request to the router.
        before = {id(p.request): current.route(p.request) for p in part}
        after = {id(p.request): proposed.route(p.request) for p in part}
        changes = [
            Change(
                p.id,
                p.split,
                p.expected,
                before[id(p.request)].institution,
                after[id(p.request)].institution,
                p.request.text,
            )
            for p in part
            if before[id(p.request)].institution != after[id(p.request)].institution
        ]
        report_before = evaluate(_looked_up(before), part)
        report_after = evaluate(_looked_up(after), part)
        result.append(Comparison(part[0].split if part else "", report_before, report_after, changes))
    return result


def _looked_up(decisions: Mapping[int, RoutingDecision]) -> Callable[[RoutingRequest], RoutingDecision]:
    return lambda request: decisions[id(request)]
