"""Routing quality on the independent Kars corpora: the table alone and the table with the classifier.

Run: uv run python bench/route_quality.py [--split test test2 outsider train train2 train3] [--confusion]
The model was trained on the corpora's train parts (and the project's labelled petitions; petitions_b3.jsonl
is all train); the test parts (`test` of petitions.jsonl, `test2` of petitions_b2.jsonl) were never used
for tuning rules or training, nor was `outsider` (outsider_120.jsonl: 120 petitions by a tester who read
only the reference data, written after the router was built, stop 21).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from router.domain.combined import Router
from router.evaluation import Petition, evaluate, format_report, load_corpus

CORPUS = Path(__file__).parents[1] / "services/router/tests/unit/data/kars_corpus"
PARTS = {
    "test": ("petitions.jsonl", "test"),
    "test2": ("petitions_b2.jsonl", "test2"),
    "outsider": ("outsider_120.jsonl", "outsider"),
    "train": ("petitions.jsonl", "train"),
    "train2": ("petitions_b2.jsonl", "train"),
    "train3": ("petitions_b3.jsonl", "train"),
}


def petitions(split: str) -> list[Petition]:
    """Returns the petitions of one named part."""
    name, part = PARTS[split]
    return load_corpus(CORPUS / name, part)


def main() -> None:
    """Prints both reports for every part asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", nargs="+", default=["test", "test2", "outsider"], choices=sorted(PARTS))
    parser.add_argument("--confusion", action="store_true")
    args = parser.parse_args()
    router = Router.load_default()
    combiner = router.classifier.meta["combiner"]
    print(
        f"table {router.version}, model {router.model_version}, triage below {combiner['threshold']} "
        f"(cross-validated on the train parts: {combiner['held_out']})"
    )
    for split in args.split:
        part = petitions(split)
        print(f"\n## {split} part\n")
        print("### table alone\n")
        print(format_report(evaluate(router.table.route, part), show_confusion=False))
        print("\n### table + classifier (the service's decision)\n")
        print(format_report(evaluate(router.route, part), show_confusion=args.confusion))


if __name__ == "__main__":
    main()
