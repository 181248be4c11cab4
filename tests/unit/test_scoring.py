"""The answer graders, per kind: paraphrase, negation, swaps, stuffing, typos, empty, off-topic,
very long answers."""

from __future__ import annotations

import time

import pytest

from bot.domain import Choice, Grade, KeyPoint, Kind, Question, StarRubric, Verdict
from bot.services.scoring import grade, split_key_points
from bot.text import normalise_phrase, words

LONG_HOSTILE = ("((((]]]] \u0000 \u202e " * 300) + ("x" * 4000) + (" not never " * 500)


def q(kind: Kind, **fields: object) -> Question:
    base: dict[str, object] = {
        "id": f"t-{kind.value}",
        "prompt": "A question?",
        "kind": kind,
        "topic": "test",
        "level": "mid",
        "model_answer": "model answer",
    }
    base.update(fields)
    return Question(**base)  # type: ignore[arg-type]


def assert_one_line(g: Grade) -> None:
    assert g.feedback and "\n" not in g.feedback
    assert 0 <= g.score <= 100
    assert g.verdict is Verdict.from_score(g.score)


# --- choice ---------------------------------------------------------------------------------

CHOICE = q(
    Kind.CHOICE,
    prompt="Which transformer layout does GPT-3 use?",
    choices=(
        Choice("Decoder-only", correct=True),
        Choice("Encoder-only", why_wrong="Encoder-only models such as BERT cannot generate text."),
        Choice("Encoder-decoder", why_wrong="That is T5's layout; GPT-3 has no encoder."),
        Choice("Recurrent", why_wrong="GPT-3 is a transformer, not an RNN."),
    ),
)


@pytest.mark.parametrize(
    "answer",
    [
        "A",
        "a",
        "(a)",
        "A.",
        "a)",
        " A ",
        "1",
        "Decoder-only",
        "decoder only",
        "DECODER ONLY!",
        "Decodr-only",
        "answer: a",
        "I think it's decoder-only",
        "I'd say A",
    ],
)
def test_choice_accepts_letter_number_and_text(answer: str) -> None:
    g = grade(CHOICE, answer)
    assert g.verdict is Verdict.CORRECT and g.score == 100, (answer, g)
    assert_one_line(g)


@pytest.mark.parametrize("answer", ["b", "(B)", "2", "Encoder-only", "encoder only"])
def test_choice_wrong_option_explains_why(answer: str) -> None:
    g = grade(CHOICE, answer)
    assert g.verdict is Verdict.INCORRECT and g.score == 0
    assert "cannot generate text" in g.feedback
    assert "Decoder-only" in g.feedback
    assert_one_line(g)


def test_choice_swapped_concept_is_the_other_option() -> None:
    g = grade(CHOICE, "encoder-decoder")
    assert g.verdict is Verdict.INCORRECT
    assert "T5" in g.feedback


@pytest.mark.parametrize(
    "answer", ["", "   ", "f", "7", "banana bread", "decoder or encoder", LONG_HOSTILE]
)
def test_choice_unparseable_asks_for_a_letter(answer: str) -> None:
    g = grade(CHOICE, answer)
    assert g.verdict is Verdict.INCORRECT and g.score == 0
    assert "letter" in g.feedback
    assert_one_line(g)


# --- short ----------------------------------------------------------------------------------

TFIDF = q(
    Kind.SHORT,
    prompt="What does TF-IDF stand for?",
    accepted=("term frequency-inverse document frequency", "tf-idf", "tfidf"),
)
PARIS = q(Kind.SHORT, prompt="Capital of France?", accepted=("Paris",))
NEW_YORK = q(Kind.SHORT, prompt="Largest US city?", accepted=("New York", "New York City", "NYC"))
COUNT = q(Kind.SHORT, prompt="How many heads?", accepted=("2", "two heads"))
GPT3 = q(Kind.SHORT, prompt="GPT-3 size?", accepted=("175 billion", "175B"))


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (TFIDF, "Term Frequency–Inverse Document Frequency"),
        (TFIDF, "term frequency inverse document frequency"),
        (TFIDF, "TF IDF"),
        (TFIDF, "it's called TF-IDF"),
        (TFIDF, "term frequncy-inverse documnt frequency"),
        (PARIS, "Paris!"),
        (PARIS, "paris"),
        (PARIS, "Pariss"),
        (PARIS, "It's Paris."),
        (PARIS, "Pârïs"),
        (NEW_YORK, "new york"),
        (NEW_YORK, "The New York city"),
        (COUNT, "two"),
        (COUNT, "2 heads"),
        (GPT3, "175 billion parameters"),
    ],
)
def test_short_accepts_variants_typos_and_short_sentences(question: Question, answer: str) -> None:
    g = grade(question, answer)
    assert g.verdict is Verdict.CORRECT, (answer, g)
    assert_one_line(g)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (TFIDF, "term frequency"),
        (TFIDF, "inverse document frequency"),
        (TFIDF, "bag of words"),
        (NEW_YORK, "new yorkshire"),
        (NEW_YORK, "York"),
        (PARIS, "London"),
        (PARIS, "Pa"),
        (PARIS, "not Paris"),
        (COUNT, "3"),
        (COUNT, "twelve"),
        (GPT3, "1.5 billion"),
        (GPT3, "17.5 billion"),
    ],
)
def test_short_rejects_fragments_and_near_misses(question: Question, answer: str) -> None:
    g = grade(question, answer)
    assert g.verdict is Verdict.INCORRECT, (answer, g)
    assert "expected answer" in g.feedback
    assert_one_line(g)


def test_short_hedging_between_candidates_is_partial() -> None:
    g = grade(PARIS, "Paris or London")
    assert g.verdict is Verdict.PARTIAL


@pytest.mark.parametrize("answer", ["", "  \n ", "?!", LONG_HOSTILE, "paris " * 3000])
def test_short_empty_and_long(answer: str) -> None:
    start = time.perf_counter()
    g = grade(PARIS, answer)
    assert time.perf_counter() - start < 0.5
    assert_one_line(g)
    if not answer.strip("?! \n"):
        assert g.verdict is Verdict.INCORRECT


def test_normalise_phrase() -> None:
    assert normalise_phrase("The Transformers!") == "transformer"
    assert normalise_phrase("  an   Épée ") == "epee"
    assert normalise_phrase("two-stage") == "2 stage"
    assert words("It isn't camelCase_word") == ["it", "is", "not", "camel", "case", "word"]


# --- open / scenario / coding ---------------------------------------------------------------

STEM = q(
    Kind.OPEN,
    prompt="What is the difference between stemming and lemmatization?",
    key_points=(
        KeyPoint(
            "stemming strips suffixes with heuristic rules",
            ("chops off word endings", "rule-based suffix removal", "Porter stemmer"),
        ),
        KeyPoint(
            "lemmatization returns the dictionary form",
            ("maps to the lemma", "uses a vocabulary and morphology", "base dictionary word"),
        ),
        KeyPoint("stemming is faster than lemmatization", ("lemmatization is slower",)),
        KeyPoint("stems may not be real words", ("stemming can produce non-words",)),
    ),
)
DROPOUT = q(
    Kind.OPEN,
    prompt="What does dropout do in a neural network, and why does it help?",
    key_points=(
        KeyPoint("randomly zeroes activations during training", ("randomly drops neurons",)),
        KeyPoint("reduces overfitting", ("acts as a regularizer", "prevents overfitting")),
        KeyPoint("prevents co-adaptation of neurons", ("neurons cannot rely on each other",)),
        KeyPoint("turned off at inference", ("disabled at test time", "inverted dropout")),
    ),
)
GPT = q(
    Kind.SCENARIO,
    prompt="Which architecture would you pick to generate product descriptions, and why?",
    key_points=(
        KeyPoint("use a decoder-only model", ("GPT-style decoder", "causal decoder")),
        KeyPoint("it is trained to predict the next token", ("autoregressive generation",)),
        KeyPoint("fine-tune on existing product descriptions", ("fine-tuning on our data",)),
    ),
)

STRONG_STEM = (
    "Stemming chops off word endings with crude heuristic rules, like the Porter stemmer, so the "
    "result may not be a real word. Lemmatization uses vocabulary and morphology to return the "
    "dictionary form of the word. Stemming is faster than lemmatization."
)


def test_open_strong_answer_is_correct() -> None:
    g = grade(STEM, STRONG_STEM)
    assert g.verdict is Verdict.CORRECT and g.score >= 85
    assert len(g.covered) >= 3
    assert_one_line(g)


def test_open_paraphrase_with_inflection_and_word_order() -> None:
    g = grade(
        DROPOUT,
        "While the network is training, dropout randomly zeroes some of the activations, and "
        "overfitting is reduced because neurons cannot rely on each other. It is disabled at "
        "test time.",
    )
    assert g.verdict is Verdict.CORRECT, g
    assert g.missed == ()


def test_open_partial_answer_is_partial_and_names_missed_points() -> None:
    # One point of five: relevant but thin (two points already read as a concise answer).
    g = grade(DROPOUT, "Dropout randomly drops neurons during training.")
    assert g.verdict is Verdict.PARTIAL, g
    assert "co-adaptation" in g.feedback or "inference" in g.feedback
    assert "turned off at inference" in g.missed


def test_open_typos_are_tolerated() -> None:
    g = grade(
        DROPOUT,
        "Dropuot randomly zeroes activatons during trainng, it reduses overfiting, and neurons "
        "cannot rely on each othr. It is disabled at test time.",
    )
    assert g.verdict is Verdict.CORRECT, g


@pytest.mark.parametrize(
    "answer",
    [
        "Dropout does not reduce overfitting.",
        "Dropout never prevents overfitting.",
        "Dropout isn't a way to reduce overfitting.",
        "Dropout doesn't really help with overfitting.",
    ],
)
def test_open_negated_point_counts_against(answer: str) -> None:
    plain = grade(DROPOUT, "Dropout reduces overfitting.")
    g = grade(DROPOUT, answer)
    assert g.score < plain.score
    assert g.verdict is Verdict.INCORRECT
    assert "reduces overfitting" not in g.covered
    assert "contradicts" in g.feedback


def test_open_negation_that_agrees_with_the_point_is_fine() -> None:
    g = grade(DROPOUT, "Thanks to dropout the network does not overfit as much.")
    assert "contradicts" not in g.feedback
    assert g.score > 0


def test_open_increase_vs_decrease_swap() -> None:
    g = grade(DROPOUT, "Dropout increases overfitting because it randomly drops neurons.")
    assert "contradicts" in g.feedback
    assert "reduces overfitting" not in g.covered


def test_open_comparison_reversed() -> None:
    right = grade(STEM, "Stemming is faster than lemmatization.")
    wrong = grade(STEM, "Lemmatization is faster than stemming.")
    assert "stemming is faster than lemmatization" in right.covered
    assert "stemming is faster than lemmatization" not in wrong.covered
    assert wrong.score < right.score
    assert "contradicts" in wrong.feedback


def test_open_swapped_concepts_are_wrong() -> None:
    g = grade(
        STEM,
        "Lemmatization strips suffixes with heuristic rules, and stemming returns the "
        "dictionary form.",
    )
    assert g.verdict is Verdict.INCORRECT, g
    assert "contradicts" in g.feedback


def test_open_encoder_decoder_swap() -> None:
    right = grade(GPT, "I would use a decoder-only model trained to predict the next token.")
    wrong = grade(GPT, "I would use an encoder-only model trained to predict the next token.")
    assert "use a decoder-only model" in right.covered
    assert "use a decoder-only model" not in wrong.covered
    assert "contradicts" in wrong.feedback
    assert wrong.score < right.score


def test_open_mentioning_both_sides_correctly_is_not_a_swap() -> None:
    g = grade(
        GPT,
        "I'd use a decoder-only model, unlike BERT which is encoder-only, because it is trained "
        "to predict the next token; then I'd fine-tune it on our existing product descriptions.",
    )
    assert g.verdict is Verdict.CORRECT, g
    assert "contradicts" not in g.feedback


def test_open_keyword_stuffing_scores_below_an_explanation() -> None:
    stuffed = grade(
        STEM,
        "stemming suffixes heuristic rules porter lemmatization dictionary form lemma faster "
        "real words",
    )
    explained = grade(STEM, STRONG_STEM)
    assert stuffed.verdict is not Verdict.CORRECT
    assert stuffed.score <= 40
    assert explained.score - stuffed.score >= 40
    assert "sentences" in stuffed.feedback


@pytest.mark.parametrize("answer", ["", "   ", "\n\t", "...", "?"])
def test_open_empty_answer(answer: str) -> None:
    g = grade(STEM, answer)
    assert g.score == 0 and g.verdict is Verdict.INCORRECT
    assert "No answer" in g.feedback
    assert_one_line(g)


@pytest.mark.parametrize(
    "answer",
    [
        "I like pizza and the weather is nice today.",
        "Gradient descent updates weights using the negative gradient and a learning rate.",
        "stemming and lemmatization are interesting topics",
    ],
)
def test_open_off_topic_answer_is_zero(answer: str) -> None:
    g = grade(STEM, answer)
    assert g.verdict is Verdict.INCORRECT and g.score < 20, g
    assert_one_line(g)


@pytest.mark.parametrize(
    "answer",
    [
        LONG_HOSTILE,
        STRONG_STEM * 200,
        "stemming " * 5000,
        "a" * 50_000,
        "\u00e9" * 20_000,
        "not " * 5000 + STRONG_STEM,
    ],
)
def test_open_very_long_answers_are_fast_and_safe(answer: str) -> None:
    start = time.perf_counter()
    g = grade(STEM, answer)
    assert time.perf_counter() - start < 1.0
    assert_one_line(g)


def test_open_stuffed_repetition_is_not_correct() -> None:
    g = grade(STEM, "stemming lemmatization dictionary suffix " * 500)
    assert g.verdict is not Verdict.CORRECT


def test_level_rubrics_are_used() -> None:
    question = q(
        Kind.SCENARIO,
        prompt="Design a spam filter.",
        levels=("junior", "senior"),
        rubrics={
            "junior": (KeyPoint("use naive bayes on word counts"),),
            "senior": (KeyPoint("monitor drift in production"), KeyPoint("handle adversaries")),
        },
    )
    answer = "I would use naive Bayes on word counts."
    assert grade(question, answer, level="junior").verdict is Verdict.CORRECT
    assert grade(question, answer, level="senior").verdict is Verdict.INCORRECT


def test_coding_is_graded_against_key_points() -> None:
    question = q(
        Kind.CODING,
        prompt="Write a function returning the n most frequent words.",
        reference_solution="from collections import Counter",
        key_points=(
            KeyPoint("lowercase and split the text into words", ("tokenize",)),
            KeyPoint("count occurrences with a Counter", ("word counts in a dict",)),
            KeyPoint("return the top n by frequency", ("most_common(n)",)),
        ),
    )
    code = (
        "from collections import Counter\n"
        "def top(text, n):\n"
        "    words = text.lower().split()\n"
        "    return [w for w, _ in Counter(words).most_common(n)]\n"
        "I lowercase and split the text into words, count them with a Counter and return the "
        "most common n."
    )
    assert grade(question, code).verdict is Verdict.CORRECT
    assert grade(question, "def f(x): return x").verdict is Verdict.INCORRECT


def test_open_question_without_key_points_uses_the_model_answer() -> None:
    question = q(
        Kind.OPEN,
        prompt="What is a learning rate?",
        model_answer="The learning rate scales each gradient step; too high diverges.",
    )
    assert (
        grade(question, "It scales each gradient step, and too high a value diverges.").score > 50
    )
    assert grade(question, "No idea at all, sorry.").verdict is Verdict.INCORRECT


def test_split_key_points_cuts_clauses() -> None:
    points = split_key_points(
        "Stemming strips suffixes with rules, while lemmatization returns the dictionary form. "
        "Stemming is faster."
    )
    texts = [p.text for p in points]
    assert len(texts) == 3
    assert texts[0].startswith("Stemming strips suffixes")


# --- behavioral -----------------------------------------------------------------------------

STAR = q(
    Kind.BEHAVIORAL,
    prompt="Tell me about a time you had to learn a new technology quickly.",
    star=StarRubric(
        "a concrete project with a deadline",
        "what the candidate had to learn",
        "the steps they took",
        "a measurable outcome",
        ("quantifies the result",),
    ),
)
STRONG_STAR = (
    "Last year at my previous company our team had six weeks to ship a search feature, and I "
    "was responsible for the ranking model although I had never used Elasticsearch. I read the "
    "docs for two evenings, built a prototype on our real data and paired with a colleague who "
    "knew it. Then I wrote the indexing pipeline and set up an offline evaluation. As a result "
    "we launched on time and click-through improved by 12%. I learned to ask for a design "
    "review earlier."
)


def test_behavioral_full_star_is_correct() -> None:
    g = grade(STAR, STRONG_STAR)
    assert g.verdict is Verdict.CORRECT and g.score >= 85
    assert set(g.covered) >= {"situation", "task", "action", "result"}
    assert_one_line(g)


def test_behavioral_missing_result_is_named() -> None:
    g = grade(
        STAR,
        "Last year our team had to move to Kubernetes and I was responsible for the migration "
        "of our training jobs. I read the official tutorial, built a small cluster on my laptop "
        "and wrote the manifests for every job, and I paired with the platform team on the "
        "networking parts.",
    )
    assert "result" in g.missed
    assert "Result" in g.feedback
    assert g.verdict is not Verdict.CORRECT


def test_behavioral_we_only_and_no_numbers_is_weaker() -> None:
    we = grade(
        STAR,
        "Last year our team had to learn Kubernetes for a project with a tight deadline. We "
        "read tutorials, we built a prototype and we migrated the services. In the end we "
        "shipped it and everyone was happy with the outcome.",
    )
    strong = grade(STAR, STRONG_STAR)
    assert we.score < strong.score - 20
    assert we.verdict is not Verdict.CORRECT


def test_behavioral_generic_claims_are_incorrect() -> None:
    g = grade(STAR, "I learn fast. I am a quick learner and I like new technologies.")
    assert g.verdict is Verdict.INCORRECT


def test_behavioral_hypothetical_answer_is_not_correct() -> None:
    g = grade(
        STAR,
        "I would read the documentation, then I would build a small project and I would ask "
        "experts for help, and I would make sure to write tests for everything I build.",
    )
    assert g.verdict is not Verdict.CORRECT


@pytest.mark.parametrize("answer", ["", "  ", LONG_HOSTILE, STRONG_STAR * 100])
def test_behavioral_empty_and_long(answer: str) -> None:
    start = time.perf_counter()
    g = grade(STAR, answer)
    assert time.perf_counter() - start < 1.0
    assert_one_line(g)
    if not answer.strip():
        assert g.score == 0 and "STAR" not in g.covered


def test_behavioral_off_topic() -> None:
    g = grade(STAR, "Transformers use self-attention over the whole sequence.")
    assert g.verdict is Verdict.INCORRECT and g.score < 20


def test_behavioral_key_points_add_to_the_score() -> None:
    with_points = q(
        Kind.BEHAVIORAL,
        prompt=STAR.prompt,
        star=STAR.star,
        key_points=(KeyPoint("read the documentation"), KeyPoint("built a prototype")),
    )
    g = grade(with_points, STRONG_STAR)
    assert g.verdict is Verdict.CORRECT
    assert "built a prototype" in g.covered


# --- determinism ----------------------------------------------------------------------------


def test_grading_is_deterministic() -> None:
    for question, answer in ((STEM, STRONG_STEM), (STAR, STRONG_STAR), (TFIDF, "tf idf")):
        assert grade(question, answer) == grade(question, answer)


DISAGREE = q(
    Kind.BEHAVIORAL,
    prompt="Tell me about a time you disagreed with a colleague about a technical approach.",
    star=STAR.star,
    key_points=(
        KeyPoint("an experiment with data settled the question", ("compared both on data",), True),
        KeyPoint("listened to the other person's reasoning", ("understood his concern",), False),
        KeyPoint("the discussion stayed respectful", ("kept it about the problem",), False),
    ),
)


def test_behavioral_a_short_complete_story_is_correct() -> None:
    # Situation, the candidate's own actions and a result, in two sentences: the task is
    # implicit and the key points are paraphrased, which does not make it partial.
    g = grade(
        DISAGREE,
        "A teammate wanted an LLM for entity extraction and I preferred a CRF. I suggested we "
        "compare both on 200 labelled examples; the CRF was close in accuracy and ten times "
        "cheaper, so we used it.",
    )
    assert g.verdict is Verdict.CORRECT, g


def test_behavioral_sound_statements_without_a_story_are_partial_at_most() -> None:
    generic = grade(
        DISAGREE,
        "I listen to the other person's reasoning, we keep it respectful, and we compare both "
        "approaches on data until the numbers settle it.",
    )
    assert generic.verdict is Verdict.PARTIAL, generic
    assert "Situation" in generic.feedback
    assert grade(DISAGREE, "Disagreements are a waste of time.").verdict is Verdict.INCORRECT
