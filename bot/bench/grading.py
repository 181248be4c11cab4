"""Grading quality and throughput.

Quality, over the shipped bank (content/): agreement with the human-graded answers of
tests/data/grading/human.jsonl on its dev and test splits (Spearman and band agreement), and
the pass rate of each attack family (`bot.bench.attacks`) over every open, scenario and
coding question. Targets (issue 13): test Spearman >= 0.85 and band agreement >= 85%;
dismissive, negated, restated and off-topic attacks incorrect on >= 98% of questions; keyword
lists correct on <= 2%.

Throughput: answers graded per second for each kind, on synthetic questions.

Each kind is timed on a fixed mix of answers (strong, partial, wrong, keyword list, typo,
empty, and for open kinds one hostile 12,000-character answer). Two baselines are measured
in the same run so the figures can be compared across machines: one `rapidfuzz.fuzz.ratio`
call on two short strings, and `bot.text.normalise_phrase` on a short answer. The ratio
column says how many baseline operations one grading costs.

Usage: ``prepbot bench grading [--seconds S] [--no-quality]``. The last line printed is one
JSON object: the agreement and attack figures, answers per second per kind, the baselines and
the ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from rapidfuzz import fuzz

from bot.domain import Choice, KeyPoint, Kind, Question, StarRubric
from bot.services.scoring import grade
from bot.text import normalise_phrase

_LONG = (
    "Dropout randomly zeroes activations during training, which reduces overfitting. " * 40
    + "lorem ipsum " * 600
)


def _questions() -> dict[str, tuple[Question, list[str]]]:
    base = {"topic": "bench", "level": "mid", "model_answer": "x"}
    choice = Question(
        id="b-choice",
        prompt="Which transformer layout does GPT-3 use?",
        kind=Kind.CHOICE,
        choices=(
            Choice("Decoder-only", True),
            Choice("Encoder-only", False, "BERT-style models do not generate left to right."),
            Choice("Encoder-decoder", False, "That is T5."),
            Choice("Recurrent", False, "GPT-3 is a transformer."),
        ),
        **base,  # type: ignore[arg-type]
    )
    short = Question(
        id="b-short",
        prompt="What does TF-IDF stand for?",
        kind=Kind.SHORT,
        accepted=("term frequency-inverse document frequency", "tf-idf", "tfidf"),
        **base,  # type: ignore[arg-type]
    )
    points = (
        KeyPoint("randomly zeroes activations during training", ("randomly drops neurons",)),
        KeyPoint("reduces overfitting", ("acts as a regularizer", "prevents overfitting")),
        KeyPoint("prevents co-adaptation of neurons", ("neurons cannot rely on each other",)),
        KeyPoint("turned off at inference with activations scaled", ("inverted dropout",)),
        KeyPoint("approximates an ensemble of subnetworks", ("implicit ensemble",)),
    )
    open_answers = [
        "Dropout randomly zeroes activations during training so neurons cannot co-adapt; it "
        "reduces overfitting like an implicit ensemble, and is turned off at inference.",
        "It randomly switches off some neurons while training, which helps generalization.",
        "Dropout does not reduce overfitting and it is used at inference time.",
        "dropout regularization overfitting ensemble neurons",
        "Dropuot randomy zeroes activatons during trainng.",
        "",
        _LONG,
    ]
    open_q = Question(
        id="b-open",
        prompt="What does dropout do and why does it help?",
        kind=Kind.OPEN,
        key_points=points,
        **base,  # type: ignore[arg-type]
    )
    scenario_q = Question(
        id="b-scenario",
        prompt="Your model overfits badly. Would you use dropout or weight decay?",
        kind=Kind.SCENARIO,
        key_points=points,
        **base,  # type: ignore[arg-type]
    )
    coding_q = Question(
        id="b-coding",
        prompt="Implement dropout for a list of activations.",
        kind=Kind.CODING,
        key_points=points[:3],
        reference_solution="def dropout(xs, p): ...",
        **base,  # type: ignore[arg-type]
    )
    behavioral_q = Question(
        id="b-behavioral",
        prompt="Tell me about a time you learned a new tool quickly.",
        kind=Kind.BEHAVIORAL,
        star=StarRubric("a project", "what you had to learn", "steps", "a measurable result"),
        **base,  # type: ignore[arg-type]
    )
    behavioral_answers = [
        "Last year our team had to ship search in six weeks and I was responsible for ranking. "
        "I read the docs, built a prototype and paired with a colleague. As a result we "
        "launched on time and click-through improved by 12%. Next time I would ask earlier.",
        "We learned Kubernetes quickly and the project went well.",
        "I learn fast.",
        "",
        _LONG,
    ]
    return {
        "choice": (choice, ["a", "(B)", "decoder only", "Encodr-decoder", "no idea", ""]),
        "short": (
            short,
            [
                "TF-IDF",
                "it's called tf idf",
                "term frequency",
                "term frequncy inverse document frequency",
                "bag of words",
                "",
            ],
        ),
        "open": (open_q, open_answers),
        "scenario": (scenario_q, open_answers),
        "coding": (coding_q, open_answers),
        "behavioral": (behavioral_q, behavioral_answers),
    }


def _rate(fn: Callable[[], object], per_call: int, seconds: float) -> float:
    """Operations per second of `fn` (which performs `per_call` operations), timed for at least
    `seconds` after one warm-up call."""
    fn()
    calls = 0
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        fn()
        calls += 1
        elapsed = time.perf_counter() - started
    return calls * per_call / elapsed


def run(seconds: float = 0.5) -> dict[str, float]:
    results: dict[str, float] = {}
    results["baseline_ratio"] = _rate(
        lambda: fuzz.ratio("term frequency inverse document", "term frequncy inverse doc"),
        1,
        seconds,
    )
    results["baseline_normalise"] = _rate(
        lambda: normalise_phrase("It's called TF-IDF, the Term-Frequency one!"), 1, seconds
    )
    for kind, (question, answers) in _questions().items():

        def work(q: Question = question, batch: list[str] = answers) -> None:
            for answer in batch:
                grade(q, answer)

        results[kind] = _rate(work, len(answers), seconds)
    return results


TARGETS = {
    "test_spearman": 0.85,
    "test_band_accuracy": 0.85,
    "dismissive": 0.98,
    "negated": 0.98,
    "restated": 0.98,
    "off_topic": 0.98,
    "list": 0.98,
    "reversed": 0.98,
    "model": 1.0,
    "core_sentence": 1.0,
}
"""Lower bounds; `list` and `reversed` pass when not graded correct (<= 2% correct)."""


def quality() -> dict[str, float]:
    """Agreement with people and attack pass rates over the shipped bank."""
    from bot.bench.agreement import attack_rates, human_agreement, load_human
    from bot.config import PROJECT_ROOT
    from bot.content.loader import load_packs

    bank = load_packs(PROJECT_ROOT / "content").questions
    out: dict[str, float] = {}
    rows = load_human()
    print("Agreement with the human-graded set (tests/data/grading/human.jsonl)")
    print(f"{'split':<6} {'n':>4} {'Spearman':>9} {'band agreement':>15}")
    for split in ("dev", "test"):
        got = human_agreement(rows, bank, split)
        out[f"{split}_n"] = got.n
        out[f"{split}_spearman"] = round(got.spearman, 3)
        out[f"{split}_band_accuracy"] = round(got.band_accuracy, 3)
        print(f"{split:<6} {got.n:>4} {got.spearman:>9.3f} {got.band_accuracy:>15.1%}")
    print()
    print("Attacks over every open, scenario and coding question (pass = allowed verdict)")
    print(f"{'family':<12} {'passed':>7} {'of':>5} {'rate':>7} {'target':>7}")
    for family, (passed, total) in attack_rates(bank).items():
        rate = passed / total if total else float("nan")
        out[f"attack_{family}"] = round(rate, 3)
        target = TARGETS.get(family)
        shown = f"{target:.0%}" if target else "-"
        print(f"{family:<12} {passed:>7} {total:>5} {rate:>7.1%} {shown:>7}")
    print()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prepbot bench grading", description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    parser.add_argument(
        "--no-quality", action="store_true", help="throughput only (skip agreement and attacks)"
    )
    args = parser.parse_args(argv)
    out: dict[str, float] = {} if args.no_quality else quality()
    results = run(args.seconds)
    base_ratio = results["baseline_ratio"]
    base_norm = results["baseline_normalise"]
    print("Grading throughput (answers per second; ratio = baseline operations per answer)")
    print(f"{'kind':<12} {'answers/s':>12} {'x fuzz.ratio':>13} {'x normalise':>12}")
    print("-" * 52)
    for kind in ("choice", "short", "open", "scenario", "coding", "behavioral"):
        rate = results[kind]
        out[kind] = round(rate, 1)
        out[f"{kind}_cost_vs_ratio"] = round(base_ratio / rate, 1)
        print(f"{kind:<12} {rate:>12,.0f} {base_ratio / rate:>13.1f} {base_norm / rate:>12.1f}")
    print(f"{'baseline: fuzz.ratio':<24} {base_ratio:>12,.0f} ops/s")
    print(f"{'baseline: normalise':<24} {base_norm:>12,.0f} ops/s")
    out["baseline_ratio"] = round(base_ratio, 1)
    out["baseline_normalise"] = round(base_norm, 1)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
