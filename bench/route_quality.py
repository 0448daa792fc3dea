"""Routing quality on the independent Kars corpus: the table alone and the table with the classifier.

Run: uv run python bench/route_quality.py [--split test|train] [--confusion]
The model was trained on the corpus's train part (and the project's labelled petitions); the test part
was never used for tuning rules or training.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from router.domain.combined import Router
from router.evaluation import evaluate, format_report, load_corpus

DATA = Path(__file__).parents[1] / "services/router/tests/unit/data/kars_corpus/petitions.jsonl"


def main() -> None:
    """Prints both reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test", choices=["test", "train"])
    parser.add_argument("--confusion", action="store_true")
    args = parser.parse_args()
    router = Router.load_default()
    petitions = load_corpus(DATA, args.split)
    print(f"## {args.split} split, table {router.version}, model {router.model_version}\n")
    print("### table alone\n")
    print(format_report(evaluate(router.table.route, petitions), show_confusion=False))
    print("\n### table + classifier (the service's decision)\n")
    print(format_report(evaluate(router.route, petitions), show_confusion=args.confusion))


if __name__ == "__main__":
    main()
