"""How a careful person scores on the corpora: a second, blind labelling judged like the router.

Run: uv run python bench/route_human.py [--split test test2 train train2 train3]
`kars_corpus/blind_labels.jsonl` holds a second label for every petition of the three corpora (not the
outsider's): written by labellers who saw only the petition (text, topic, type, district), the reference
data and the corpora's labelling decisions, never the writers' labels, the rules or the router (see the
corpus README, "A second, blind labelling"). Scoring those labels with the router's own measures tells
what issue 10's targets ask of a reader who understands the petitions: the labels' ambiguity, not the
router, sets the ceiling.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from route_quality import CORPUS, petitions

from router.domain.routing import RoutingDecision, RoutingRequest
from router.evaluation import evaluate, format_report

BLIND_LABELS = CORPUS / "blind_labels.jsonl"
LABELLED_PARTS = ("test", "test2", "train", "train2", "train3")


def blind_labels(path: Path = BLIND_LABELS) -> dict[str, str]:
    """Returns the blind labeller's institution for every petition id (ACIKKAPI: unclear)."""
    lines = path.read_text("utf-8").splitlines()
    return {item["id"]: item["expected"] for item in map(json.loads, lines) if item}


def main() -> None:
    """Prints the blind labels' report for every part asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", nargs="+", default=["test", "test2"], choices=LABELLED_PARTS)
    args = parser.parse_args()
    labels = blind_labels()
    parts = {split: petitions(split) for split in args.split}
    by_request = {petition.request: labels[petition.id] for part in parts.values() for petition in part}

    def decide(request: RoutingRequest) -> RoutingDecision:
        return RoutingDecision(by_request[request], "blind-label", 1.0, (), "person")

    for split, part in parts.items():
        print(f"\n## {split} part: the blind labels as a router\n")
        print(format_report(evaluate(decide, part), show_confusion=False))


if __name__ == "__main__":
    main()
