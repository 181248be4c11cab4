"""Comparisons stated the other way round (bot.services.scoring.comparisons)."""

from __future__ import annotations

import pytest

from bot.services.scoring.comparisons import comparisons, flipped, reversed_comparisons
from bot.services.scoring.keypoints import AnswerIndex

REFERENCE = (
    "Lower perplexity means the model is less surprised by the text. Files are cached "
    "locally after the first download. Fix the significance level (say 0.05) before "
    "looking at the data. Run the regression suite before and after fine-tuning."
)


def _flipped(answer: str) -> tuple[str, ...]:
    return flipped(AnswerIndex.build(answer), REFERENCE)


@pytest.mark.parametrize(
    "answer",
    [
        "A lower perplexity means the model is more surprised by the text.",
        "The files are cached locally before the first download.",
        "You fix the significance level, usually 0.05, after looking at the data.",
    ],
)
def test_the_opposite_comparative_around_the_same_words_is_a_reversal(answer: str) -> None:
    assert _flipped(answer)
    assert reversed_comparisons(AnswerIndex.build(answer), REFERENCE, "")


@pytest.mark.parametrize(
    "answer",
    [
        REFERENCE,
        "Lower perplexity means the model is less surprised by the text.",
        "It is not faster; the files are cached locally after the first download.",
        # Negated opposite: "not more surprised" agrees with "less surprised".
        "Lower perplexity means the model is not more surprised by the text.",
        # The same words without the comparison claim.
        "Perplexity measures how surprised the model is by text.",
    ],
)
def test_agreeing_or_unrelated_answers_are_not_reversals(answer: str) -> None:
    assert _flipped(answer) == ()


def test_a_pair_of_opposites_in_the_reference_compares_nothing() -> None:
    texts = [c.text for c in comparisons(REFERENCE)]
    assert not any("regression" in t for t in texts)
    assert _flipped("Run the regression suite after and before fine-tuning.") == ()


def test_a_comparative_with_too_few_words_around_it_is_not_a_claim() -> None:
    assert comparisons("Do it after pretraining.") == ()


def test_nosql_is_a_word_not_a_negation() -> None:
    from bot.text import tokenize

    words = [(t.word, t.negation) for t in tokenize("NoSQL and No-SQL stores. No GPU needed.")]
    assert words[0] == ("nosql", False) and words[2] == ("nosql", False)
    assert ("no", True) in words  # "No GPU" is still a negation
    reference = "NoSQL systems usually scale horizontally more easily and have flexible schemas."
    answer = "NoSQL systems usually scale horizontally less easily and have flexible schemas."
    assert reversed_comparisons(AnswerIndex.build(answer), reference, "")


def test_type_one_and_type_two_keep_their_numerals() -> None:
    from bot.text import tokenize

    words = [t.word for t in tokenize("A Type I error; a type II error. I think so.")]
    assert words[:4] == ["a", "type", "1", "error"]
    assert words[4:8] == ["a", "type", "2", "error"]
    assert words[8] == "i"


def test_opposite_directions_are_opposed_within_their_class_only() -> None:
    from bot.services.scoring.keypoints import ANTONYMS
    from bot.text import stem

    assert stem("less") in ANTONYMS[stem("more")]
    assert stem("decrease") in ANTONYMS[stem("increase")]
    assert stem("smaller") not in ANTONYMS[stem("more")]
    assert stem("worse") in ANTONYMS[stem("better")]


def test_names_match_however_they_are_capitalised_or_spaced() -> None:
    from bot.services.scoring.keypoints import compile_phrase, match_phrase
    from bot.text import tokenize

    words = [t.word for t in tokenize("LoRA, ReLU, PyTorch, vLLM, wordCount, all at once")]
    assert words == ["lora", "relu", "pytorch", "vllm", "word", "count", "all", "at", "once"]
    phrase = compile_phrase("FlashAttention fuses the kernels")
    got = match_phrase(AnswerIndex.build("flash attention fuses the kernels"), phrase, {})
    assert got.coverage == 1.0
