"""Routing quality on a labelled corpus: accuracy, precision and recall, confusion and calibration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.routing import RoutingDecision, RoutingRequest
from router.training import Example, read_items

# Confidence bins of the reliability table: [low, high).
BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


@dataclass(frozen=True, slots=True)
class Petition:
    """One labelled petition of the corpus."""

    id: str
    request: RoutingRequest
    expected: str
    clear: bool
    style: str
    split: str

    def as_example(self) -> Example:
        """Returns the petition as a training example (the classifier's view of it)."""
        r = self.request
        return Example(r.text, r.district, r.topic, r.type, self.expected, True, self.id)


def load_corpus(path: Path, split: str | None = None) -> list[Petition]:
    """Returns the corpus's petitions, of one split ("train", "test") or all."""
    return [
        Petition(
            id=item["id"],
            request=RoutingRequest(item["topic"], item["district"], item["type"], item["text"]),
            expected=item["expected"],
            clear=bool(item.get("clear", True)),
            style=item.get("style", ""),
            split=item["set"],
        )
        for item in read_items(path, split)
    ]


@dataclass
class Report:
    """What a router did on a set of petitions."""

    total: int = 0
    clear: int = 0
    clear_correct: int = 0
    unclear: int = 0
    unclear_to_institution: int = 0
    routed: int = 0
    routed_wrong: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (bin low, bin high, right, decisions, mean confidence) of the decisions not sent to triage.
    reliability: list[tuple[float, float, int, int, float]] = field(default_factory=list)
    # The same for every petition's suggestion (the combined router's most likely answer, routed or not).
    suggestions: list[tuple[float, float, int, int, float]] = field(default_factory=list)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def accuracy_clear(self) -> float:
        """Returns the share of clear petitions routed to the expected institution."""
        return self.clear_correct / self.clear if self.clear else 0.0

    @property
    def wrong_rate(self) -> float:
        """Returns the share of decisions that are not triage and name a wrong institution."""
        return self.routed_wrong / self.routed if self.routed else 0.0

    def precision_recall(self) -> dict[str, tuple[float, float, int]]:
        """Returns each expected institution's precision, recall and support."""
        codes = {expected for expected, _ in self.confusion} | {got for _, got in self.confusion}
        result = {}
        for code in sorted(codes):
            true_positive = self.confusion[(code, code)]
            predicted = sum(count for (_, got), count in self.confusion.items() if got == code)
            support = sum(count for (expected, _), count in self.confusion.items() if expected == code)
            precision = true_positive / predicted if predicted else 0.0
            recall = true_positive / support if support else 0.0
            result[code] = (precision, recall, support)
        return result


def evaluate(decide: Callable[[RoutingRequest], RoutingDecision], petitions: Iterable[Petition]) -> Report:
    """Routes every petition and returns the report."""
    report = Report()
    routed: list[tuple[float, bool]] = []
    suggested: list[tuple[float, bool]] = []
    for petition in petitions:
        decision = decide(petition.request)
        got = decision.institution
        report.total += 1
        report.confusion[(petition.expected, got)] += 1
        if petition.clear:
            report.clear += 1
            report.clear_correct += got == petition.expected
        else:
            report.unclear += 1
            report.unclear_to_institution += got != TRIAGE_INSTITUTION
        if got != TRIAGE_INSTITUTION:
            report.routed += 1
            right = got == petition.expected
            report.routed_wrong += not right
            routed.append((decision.confidence, right))
        if decision.suggestion:
            suggested.append((decision.confidence, decision.suggestion == petition.expected))
        if got != petition.expected:
            report.wrong.append((petition.id, petition.expected, got))
    report.reliability = reliability_table(routed)
    report.suggestions = reliability_table(suggested)
    return report


def reliability_table(pairs: Iterable[tuple[float, bool]]) -> list[tuple[float, float, int, int, float]]:
    """Returns (bin low, bin high, right, total, mean confidence) of (confidence, right) pairs per bin."""
    bins: dict[int, list[tuple[float, bool]]] = {}
    for confidence, right in pairs:
        bins.setdefault(_bin(confidence), []).append((confidence, right))
    table = []
    for index in range(len(BINS) - 1):
        found = bins.get(index, [])
        mean = sum(c for c, _ in found) / len(found) if found else 0.0
        hits = sum(right for _, right in found)
        table.append((BINS[index], min(BINS[index + 1], 1.0), hits, len(found), mean))
    return table


def calibration_gaps(
    table: Sequence[tuple[float, float, int, int, float]], min_decisions: int
) -> dict[float, float]:
    """Returns, for each confidence bin of at least min_decisions, mean confidence minus accuracy."""
    return {low: mean - right / total for low, _, right, total, mean in table if total >= min_decisions}


def _bin(confidence: float) -> int:
    for index in range(len(BINS) - 1):
        if confidence < BINS[index + 1]:
            return index
    return len(BINS) - 2


def _rows(table: Sequence[tuple[float, float, int, int, float]]) -> list[str]:
    return [
        f"| {low:.2f}-{high:.2f} | {total} | {right} | {mean:.1%} | {right / total:.1%} |"
        for low, high, right, total, mean in table
        if total
    ]


def format_report(report: Report, *, show_confusion: bool = True) -> str:
    """Returns the report as text tables (Markdown)."""
    lines = [
        f"petitions: {report.total}; clear: {report.clear}, routed correctly: {report.clear_correct} "
        f"= {report.accuracy_clear:.1%}",
        f"unclear: {report.unclear}, sent to an institution instead of triage: "
        f"{report.unclear_to_institution}",
        f"decisions not sent to triage: {report.routed} "
        f"({report.routed / max(report.total, 1):.1%} coverage), "
        f"wrong institution: {report.routed_wrong} = {report.wrong_rate:.1%} "
        + (f"(1 in {report.routed / report.routed_wrong:.0f})" if report.routed_wrong else "(none)"),
        "",
        "| confidence | decisions | correct | mean confidence | observed accuracy |",
        "|---|---|---|---|---|",
    ]
    for low, high, right, total, mean in report.reliability:
        if total:
            lines.append(f"| {low:.2f}-{high:.2f} | {total} | {right} | {mean:.1%} | {right / total:.1%} |")
    if any(total for *_, total, _ in report.suggestions):
        lines += [
            "",
            "Every petition's most likely institution (routed or sent to triage) by its confidence:",
            "",
            "| confidence | petitions | right | mean confidence | observed accuracy |",
            "|---|---|---|---|---|",
        ]
        for low, high, right, total, mean in report.suggestions:
            if total:
                lines.append(
                    f"| {low:.2f}-{high:.2f} | {total} | {right} | {mean:.1%} | {right / total:.1%} |"
                )
    lines += ["", "| institution | precision | recall | support |", "|---|---|---|---|"]
    for code, (precision, recall, support) in report.precision_recall().items():
        lines.append(f"| {code} | {precision:.2f} | {recall:.2f} | {support} |")
    if show_confusion:
        lines += ["", "| expected | got | count |", "|---|---|---|"]
        for (expected, got), count in sorted(report.confusion.items()):
            if expected != got:
                lines.append(f"| {expected} | {got} | {count} |")
    return "\n".join(lines)


def decisions_of(petitions: Sequence[Petition]) -> list[RoutingRequest]:
    """Returns the petitions' requests."""
    return [petition.request for petition in petitions]
