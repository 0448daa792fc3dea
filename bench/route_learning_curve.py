"""How much more labelled data would move routing: the classifier's learning curve on the test parts.

Run: uv run python bench/route_learning_curve.py [--fractions 0.25 0.5 0.75 1] [--seeds 2] [--c 20 60]
The classifier (router.training.fit: character n-grams + logistic regression) is trained on the project's
labelled petitions plus a random share of the independent corpora's train petitions, and scored alone
(no table, no combiner, no threshold) on the clear petitions of the two held-out parts: the share whose
most probable class is the expected one. District institutions (municipality, kaymakamlık) are compared
by role, as the model learns them. `--c` also sweeps the regularisation at the full share.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence

from route_quality import petitions as part_petitions  # this folder's script: the corpora's named parts

from router import training
from router.domain.classifier import role_label
from router.evaluation import Petition

HELD_OUT = ("test", "test2")


def clear_petitions() -> dict[str, list[Petition]]:
    """Returns the clear petitions of each held-out part."""
    return {name: [p for p in part_petitions(name) if p.clear] for name in HELD_OUT}


def top_one(examples: Sequence[training.Example], parts: dict[str, list[Petition]]) -> dict[str, float]:
    """Returns, per part, the share of clear petitions whose most probable class is the expected one."""
    vectorizer, model = training.fit(examples)
    result = {}
    for name, petitions in parts.items():
        documents = [training.document(p.as_example()) for p in petitions]
        predicted = model.predict(vectorizer.transform(documents))
        right = sum(
            str(label) == role_label(p.expected) for label, p in zip(predicted, petitions, strict=True)
        )
        result[name] = right / len(petitions)
    return result


def main() -> None:
    """Prints the learning curve (and the regularisation sweep) as Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--seeds", type=int, default=2, help="random samples per fraction below 1")
    parser.add_argument("--c", nargs="*", type=float, default=[], help="regularisation values to sweep")
    args = parser.parse_args()
    examples = training.load_examples()
    own = [e for e in examples if not e.independent]
    independent = [e for e in examples if e.independent]
    parts = clear_petitions()
    sizes = ", ".join(f"{name} {len(p)}" for name, p in parts.items())
    print(f"labelled petitions {len(own)}, independent train petitions {len(independent)}; clear: {sizes}\n")
    print("| independent share | training petitions | " + " | ".join(parts) + " | mean | seconds |")
    print("|---|---|" + "---|" * (len(parts) + 2))
    for fraction in args.fractions:
        runs = 1 if fraction >= 1 else args.seeds
        scores: dict[str, list[float]] = {name: [] for name in parts}
        started = time.process_time()
        for seed in range(runs):
            sample = random.Random(seed).sample(independent, round(len(independent) * fraction))
            for name, score in top_one(own + sample, parts).items():
                scores[name].append(score)
        means = [statistics.mean(scores[name]) for name in parts]
        cells = " | ".join(f"{m:.1%}" for m in means)
        seconds = (time.process_time() - started) / runs
        total = len(own) + round(len(independent) * fraction)
        print(f"| {fraction:.0%} | {total} | {cells} | {statistics.mean(means):.1%} | {seconds:.0f} |")
    if args.c:
        default = training.REGULARISATION
        print("\n| C (all train petitions) | " + " | ".join(parts) + " | mean |")
        print("|---|" + "---|" * (len(parts) + 1))
        for value in args.c:
            training.REGULARISATION = value
            result = top_one(examples, parts)
            cells = " | ".join(f"{result[name]:.1%}" for name in parts)
            print(
                f"| {value:g}{' (the model)' if value == default else ''} | {cells} | "
                f"{statistics.mean(result.values()):.1%} |"
            )
        training.REGULARISATION = default


if __name__ == "__main__":
    main()
