"""Which institution the table and the classifier together point to, and how sure that is.

Each petition gets a few candidates: the model's three best classes and the table's institution
(confident or only its best guess). A candidate is described by what each opinion says of it (the
model's probability and rank, the table's confidence, whether they agree, whether it is triage) and by
how often the citizen's chosen topic and type go with it; a small gradient-boosted tree ensemble fitted
on held-out training petitions (`router.stacking_training`) turns that into the chance the candidate is
right. Trees, not a linear model, because the opinions interact (a confident table is worth more when
the topic agrees, the model's probability means less on a three-word petition): on cross-validated
training petitions they routed about six more clear petitions in a hundred at the same wrong rate. The
best candidate's chance is then mapped through an isotonic curve fitted on held-out decisions, and
below the threshold chosen on their coverage-vs-accuracy curve the petition goes to triage.

Learning this from data replaced hand rules (agree → route, disagree → triage) that sent every
disagreement to triage, although in held-out training petitions the confident table was right in
two of three disagreements, and the topic the citizen chose often tells which one.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.classifier import Prediction
from router.domain.routing import RoutingDecision

MODEL_CANDIDATES = 3
FEATURES = (
    "log_p",
    "p",
    "model_best",
    "model_margin",
    "table_says",
    "table_confidence",
    "table_guesses",
    "table_guess_confidence",
    "table_says_other",
    "table_guesses_other",
    "is_triage",
    "is_triage_table_silent",
    "table_and_model_agree",
    "table_guess_and_model_agree",
    "topic_prior",
    "type_prior",
    "p_triage_of_other",
    "log_words_triage",
    "log_words_other",
)


@dataclass(frozen=True, slots=True)
class Curve:
    """A monotone map from a score to observed accuracy (linear between points)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __call__(self, value: float) -> float:
        if not self.xs:
            return 0.0
        if value <= self.xs[0]:
            return self.ys[0]
        if value >= self.xs[-1]:
            return self.ys[-1]
        i = bisect.bisect_right(self.xs, value)
        x0, x1, y0, y1 = self.xs[i - 1], self.xs[i], self.ys[i - 1], self.ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (value - x0) / (x1 - x0)


@dataclass(frozen=True, slots=True)
class Prior:
    """log P(institution | a choice of the citizen), smoothed: how often a topic goes with an institution."""

    logs: Mapping[str, Mapping[str, float]]  # choice → institution → log probability
    unseen: Mapping[str, float]  # choice → log probability of an institution never seen with it
    default: float  # a choice never seen at all

    def __call__(self, choice: str, institution: str) -> float:
        found = self.logs.get(choice)
        if found is None:
            return self.default
        return found.get(institution, self.unseen[choice])

    @classmethod
    def count(cls, pairs: Sequence[tuple[str, str]], institutions: Sequence[str]) -> Prior:
        """Returns the prior of (choice, institution) pairs with add-half smoothing over `institutions`."""
        size = len(institutions)
        totals: dict[str, int] = {}
        counts: dict[str, dict[str, int]] = {}
        for choice, institution in pairs:
            totals[choice] = totals.get(choice, 0) + 1
            by_choice = counts.setdefault(choice, {})
            by_choice[institution] = by_choice.get(institution, 0) + 1
        logs = {
            choice: {code: math.log((n + 0.5) / (totals[choice] + 0.5 * size)) for code, n in seen.items()}
            for choice, seen in counts.items()
        }
        unseen = {choice: math.log(0.5 / (total + 0.5 * size)) for choice, total in totals.items()}
        return cls(logs, unseen, -math.log(size))

    def to_meta(self) -> dict[str, Any]:
        """Returns the prior as JSON-ready data."""
        return {"logs": self.logs, "unseen": self.unseen, "default": self.default}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Prior:
        """Returns the prior stored by to_meta."""
        return cls(meta["logs"], meta["unseen"], float(meta["default"]))


@dataclass(frozen=True, slots=True)
class Context:
    """What the combiner reads besides the two opinions: the citizen's choices and the text's length."""

    topic: str
    type: str
    words: int


def candidate_features(
    rule: RoutingDecision, prediction: Prediction, context: Context, topic: Prior, kind: Prior
) -> list[tuple[str, list[float]]]:
    """Returns each candidate institution with its features (in FEATURES order)."""
    ranked = prediction.ranked
    model_best = ranked[0][0]
    margin = ranked[0][1] - (ranked[1][1] if len(ranked) > 1 else 0.0)
    says = None if rule.triaged else rule.institution
    guess = rule.rule_institution if rule.triaged and rule.rule_institution else None
    probabilities = prediction.probabilities
    p_triage = probabilities.get(TRIAGE_INSTITUTION, 0.0)
    log_words = math.log(context.words + 1)
    names = [code for code, _ in ranked[:MODEL_CANDIDATES]]
    names += [code for code in (says, guess) if code is not None and code not in names]
    result = []
    for code in names:
        p = probabilities.get(code, 0.0)
        triage = code == TRIAGE_INSTITUTION
        result.append(
            (
                code,
                [
                    math.log(p + 1e-6),
                    p,
                    float(code == model_best),
                    margin if code == model_best else 0.0,
                    float(code == says),
                    rule.confidence if code == says else 0.0,
                    float(code == guess),
                    rule.rule_confidence if code == guess else 0.0,
                    float(says is not None and code != says),
                    float(guess is not None and code != guess),
                    float(triage),
                    float(triage and says is None and guess is None),
                    float(code == says == model_best),
                    float(code == guess == model_best),
                    topic(context.topic, code),
                    kind(context.type, code),
                    0.0 if triage else p_triage,
                    log_words if triage else 0.0,
                    0.0 if triage else log_words,
                ],
            )
        )
    return result


Scorer = Callable[[Sequence[float]], float]


def compile_trees(meta: Mapping[str, Any]) -> Scorer:
    """Returns the ensemble's probability as one Python function of the feature vector.

    The trees (sklearn's HistGradientBoostingClassifier: `x[f] <= threshold` goes left, the leaf
    values already shrunk by the learning rate) are written out as nested ifs and compiled once:
    walking node arrays in pure Python cost four times as much per candidate.
    """
    lines = ["def score(x):", f"    t = {float(meta['baseline'])!r}"]
    for tree in meta["trees"]:
        lines += _tree_source(tree, 0, 1)
    lines += ["    return 1.0 / (1.0 + exp(-t)) if t > -700.0 else 0.0"]
    namespace: dict[str, Any] = {"exp": math.exp}
    exec(compile("\n".join(lines), "<router-combiner>", "exec"), namespace)
    scorer: Scorer = namespace["score"]
    return scorer


def _tree_source(nodes: Sequence[Sequence[float]], index: int, depth: int) -> list[str]:
    feature, threshold, left, right, value = nodes[index]
    pad = "    " * depth
    if int(feature) < 0:
        return [f"{pad}t += {float(value)!r}"]
    return [
        f"{pad}if x[{int(feature)}] <= {float(threshold)!r}:",
        *_tree_source(nodes, int(left), depth + 1),
        f"{pad}else:",
        *_tree_source(nodes, int(right), depth + 1),
    ]


@dataclass(frozen=True, slots=True)
class Combiner:
    """The fitted combination: a scorer of candidates, priors, calibration curve and triage threshold."""

    score: Scorer
    topic: Prior
    type: Prior
    curve: Curve
    threshold: float

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Combiner:
        """Returns the combiner stored in the model's metadata."""
        if tuple(meta["features"]) != FEATURES:
            raise ValueError("the model's combiner was fitted on other features; retrain it")
        return cls(
            compile_trees(meta["ensemble"]),
            Prior.from_meta(meta["topic_prior"]),
            Prior.from_meta(meta["type_prior"]),
            Curve(tuple(meta["curve"]["x"]), tuple(meta["curve"]["y"])),
            float(meta["threshold"]),
        )

    def best(
        self, rule: RoutingDecision, prediction: Prediction, context: Context
    ) -> tuple[str, float, float]:
        """Returns the best candidate, its score (fitted chance it is right) and calibrated confidence."""
        scored = [
            (self.score(features), code)
            for code, features in candidate_features(rule, prediction, context, self.topic, self.type)
        ]
        score, code = max(scored, key=lambda pair: pair[0])
        return code, score, self.curve(score)
