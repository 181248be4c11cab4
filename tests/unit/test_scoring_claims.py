"""Grading v2: a key point counts only where the answer asserts it."""

from __future__ import annotations

from bot.domain import KeyPoint, Kind, Misconception, Question, Verdict
from bot.services.scoring import grade


def _question(**extra: object) -> Question:
    fields: dict[str, object] = {
        "id": "pvalue",
        "prompt": "What does a p-value tell you?",
        "kind": Kind.OPEN,
        "topic": "statistics",
        "level": "mid",
        "model_answer": "The probability of data at least as extreme, assuming the null.",
        "key_points": (
            KeyPoint(
                "probability of data at least as extreme as observed",
                ("chance of seeing results this extreme",),
                core=True,
            ),
            KeyPoint(
                "computed assuming the null hypothesis is true",
                ("under the null hypothesis",),
                core=True,
            ),
            KeyPoint(
                "small p-values are evidence against the null hypothesis",
                ("low p-value means reject the null",),
                core=False,
            ),
            KeyPoint(
                "depends on sample size and says nothing about effect size",
                ("not a measure of effect size",),
                core=False,
            ),
        ),
        "misconceptions": (
            Misconception(
                "the p-value is the probability that the hypothesis is true",
                (
                    "probability the null hypothesis is true",
                    "how likely your hypothesis is",
                ),
                "it is computed assuming the null is true, so it cannot be the null's probability",
            ),
        ),
    }
    fields.update(extra)
    return Question(**fields)  # type: ignore[arg-type]


def _core_question(
    prompt: str,
    *points: str,
    misconceptions: tuple[Misconception, ...] = (),
    model_answer: str = "",
) -> Question:
    """An open question whose key points are all core; its model answer is their sentences
    unless given."""
    return Question(
        id="q",
        prompt=prompt,
        kind=Kind.OPEN,
        topic="nlp-basics",
        level="mid",
        model_answer=model_answer or " ".join(f"{p[0].upper()}{p[1:]}." for p in points),
        key_points=tuple(KeyPoint(p, core=True) for p in points),
        misconceptions=misconceptions,
    )


DROPOUT = Question(
    id="dropout",
    prompt="What does dropout do during training?",
    kind=Kind.OPEN,
    topic="deep-learning",
    level="mid",
    model_answer="x",
    key_points=(
        KeyPoint("randomly zeroes activations", ("randomly drops neurons",)),
        KeyPoint("reduces overfitting", ("acts as a regularizer",)),
        KeyPoint("prevents co-adaptation of neurons", ("neurons cannot rely on each other",)),
        KeyPoint("turned off at inference", ("disabled at test time",)),
    ),
)


def test_an_answer_asserting_every_core_point_is_correct_however_short() -> None:
    answer = (
        "It's the probability of getting data at least as extreme as what we observed, "
        "assuming the null hypothesis is true."
    )
    g = grade(_question(), answer)
    assert g.verdict is Verdict.CORRECT, g
    assert g.score < 100  # supporting points would raise it further
    full = answer + (
        " A small p-value is evidence against the null, and it depends on sample size, so it "
        "says nothing about effect size."
    )
    assert grade(_question(), full).score > g.score


def test_missing_a_core_point_is_not_correct_even_with_all_supporting_points() -> None:
    answer = (
        "It's the chance of seeing results this extreme. A small p-value is evidence against "
        "H0, and it depends on sample size, not effect size."
    )
    g = grade(_question(), answer)
    assert g.verdict is not Verdict.CORRECT
    assert "core point" in g.feedback


def test_an_asserted_misconception_caps_the_score_and_is_corrected_in_feedback() -> None:
    answer = (
        "A p-value tells you how likely your hypothesis is: it is the probability of data "
        "at least as extreme as observed, assuming the null hypothesis is true."
    )
    g = grade(_question(), answer)
    assert g.verdict is not Verdict.CORRECT
    assert g.score <= 45
    assert "misconception" in g.feedback
    assert "cannot be the null's probability" in g.feedback


def test_a_misconception_named_to_reject_it_costs_nothing() -> None:
    answer = (
        "A common misconception is that it is the probability the null hypothesis is true. "
        "In fact it is the probability of data at least as extreme as observed, assuming the "
        "null hypothesis is true."
    )
    g = grade(_question(), answer)
    assert g.verdict is Verdict.CORRECT, g
    assert "misconception" not in g.feedback


def test_dismissing_a_point_earns_nothing_and_lists_it_as_contradicted() -> None:
    answer = (
        "Some people bring up randomly dropping neurons, which is a waste of time here. "
        "Reducing overfitting is overrated. Co-adaptation is irrelevant."
    )
    g = grade(DROPOUT, answer)
    assert g.verdict is Verdict.INCORRECT, g
    assert not set(g.covered) & set(g.contradicted)
    assert "randomly zeroes activations" in g.contradicted
    assert "randomly zeroes activations" not in g.covered


def test_a_point_that_contains_the_dismissive_word_is_still_asserted() -> None:
    question = Question(
        id="bow",
        prompt="What does a bag-of-words representation lose?",
        kind=Kind.OPEN,
        topic="nlp-basics",
        level="junior",
        model_answer="x",
        key_points=(KeyPoint("word order is irrelevant to the representation"),),
    )
    g = grade(question, "In bag of words, word order is irrelevant to the representation.")
    assert g.verdict is Verdict.CORRECT, g


def test_denial_frames_negate_the_claim() -> None:
    for answer in (
        "It is not true that dropout randomly zeroes activations or reduces overfitting.",
        "I don't think dropout reduces overfitting. It randomly zeroes activations.",
    ):
        g = grade(DROPOUT, answer)
        assert "reduces overfitting" not in g.covered, answer
        assert "reduces overfitting" in g.contradicted, answer


def test_claims_reported_from_others_earn_no_credit_unless_endorsed() -> None:
    reported = "Some people say dropout reduces overfitting and randomly zeroes activations."
    g = grade(DROPOUT, reported)
    assert g.covered == ()
    assert g.verdict is Verdict.INCORRECT
    own = "Dropout reduces overfitting and randomly zeroes activations."
    assert len(grade(DROPOUT, own).covered) == 2


def test_contrast_pivot_limits_a_dismissal_to_its_own_side() -> None:
    answer = (
        "Co-adaptation talk is overrated, but dropout does reduce overfitting because it "
        "randomly zeroes activations, and it is turned off at inference."
    )
    g = grade(DROPOUT, answer)
    assert "reduces overfitting" in g.covered
    assert "turned off at inference" in g.covered
    assert "prevents co-adaptation of neurons" in g.contradicted


def test_a_bare_keyword_list_is_partial_at_most_and_asks_for_reasoning() -> None:
    answer = "random zeroing, regularizer, co-adaptation, inference"
    g = grade(DROPOUT, answer)
    assert g.verdict is not Verdict.CORRECT
    assert "reasoning" in g.feedback
    lines = "randomly zeroes activations\nregularizer\nco-adaptation\ninference"
    assert grade(DROPOUT, lines).verdict is not Verdict.CORRECT


def test_the_prompt_restated_is_incorrect() -> None:
    g = grade(DROPOUT, "Dropout is what dropout does during training.")
    assert g.verdict is Verdict.INCORRECT
    assert "repeats the question" in g.feedback


def test_order_reversed_around_before_is_a_contradiction() -> None:
    question = Question(
        id="split",
        prompt="How do you avoid leakage when scaling features?",
        kind=Kind.OPEN,
        topic="ml-foundations",
        level="junior",
        model_answer="x",
        key_points=(KeyPoint("split the data before fitting the scaler"),),
    )
    right = grade(question, "Split the data before fitting the scaler, on the train part only.")
    wrong = grade(question, "Fit the scaler before you split the data.")
    assert right.verdict is Verdict.CORRECT
    assert "split the data before fitting the scaler" in wrong.contradicted
    assert wrong.verdict is Verdict.INCORRECT


def test_grade_dict_lists_contradicted_points() -> None:
    g = grade(DROPOUT, "Dropout does not reduce overfitting.")
    assert g.as_dict()["contradicted"] == ["reduces overfitting"]


def test_an_answer_to_another_question_is_incorrect_when_the_rubric_is_rich_enough() -> None:
    question = _question(
        model_answer=(
            "A p-value is the probability, computed assuming the null hypothesis is true, of a "
            "test statistic at least as extreme as the one observed. It is not the probability "
            "that the null is true, it does not measure effect size, large samples make tiny "
            "effects significant, a non-significant result is not proof of no effect, and "
            "running many comparisons or p-hacking inflates false positives unless corrected, "
            "for instance with Bonferroni or false discovery rate control across every test."
        )
    )
    other = (
        "Gradient boosting fits shallow decision trees one after another, each tree trained "
        "on the residual errors of the ensemble so far, with a learning rate shrinking every "
        "step; extreme p-values matter little here."
    )
    g = grade(question, other)
    assert g.verdict is Verdict.INCORRECT, g
    assert "different question" in g.feedback
    # A one-line reference is too small to judge relevance by: no cap, only the key points.
    thin = _question(model_answer="The probability of data this extreme under the null.")
    assert "different question" not in grade(thin, other).feedback


def test_a_comparison_of_the_model_answer_reversed_keeps_the_answer_out_of_correct() -> None:
    question = Question(
        id="stem",
        prompt="Compare stemming and lemmatization.",
        kind=Kind.OPEN,
        topic="nlp-basics",
        level="junior",
        model_answer=(
            "Stemming strips suffixes with rules. Lemmatization returns the dictionary form. "
            "Stemming is much faster than lemmatization, which needs a vocabulary lookup."
        ),
        key_points=(
            KeyPoint("stemming strips suffixes with rules"),
            KeyPoint("lemmatization returns the dictionary form"),
        ),
    )
    right = (
        "Stemming strips suffixes with rules and lemmatization returns the dictionary form; "
        "stemming is much faster than lemmatization."
    )
    wrong = right.replace("much faster", "much slower")
    assert grade(question, right).verdict is Verdict.CORRECT
    g = grade(question, wrong)
    assert g.verdict is not Verdict.CORRECT
    assert "wrong way round" in g.feedback


def test_a_generic_short_variant_matches_only_as_the_whole_answer() -> None:
    question = Question(
        id="ckpt",
        prompt="What is the technique that recomputes activations in the backward pass?",
        kind=Kind.SHORT,
        topic="training",
        level="mid",
        model_answer="Activation checkpointing.",
        accepted=("activation checkpointing", "gradient checkpointing", "checkpointing"),
    )
    assert grade(question, "checkpointing").verdict is Verdict.CORRECT
    assert grade(question, "It's activation checkpointing").verdict is Verdict.CORRECT
    assert grade(question, "model checkpointing").verdict is not Verdict.CORRECT


def test_a_wrong_claim_written_with_because_is_caught_when_asserted() -> None:
    from bot.domain import KeyPoint, Kind, Misconception, Question

    question = Question(
        id="x-mamba-memory",
        prompt="How does a state-space model like Mamba remember earlier tokens?",
        kind=Kind.OPEN,
        topic="llms",
        level="mid",
        model_answer="It compresses the past into a fixed-size state, so recall is lossy.",
        key_points=(KeyPoint("the past is compressed into a fixed-size state", core=True),),
        misconceptions=(
            Misconception(
                "Mamba has an infinite memory because its state carries the whole sequence",
                (),
                "The state has a fixed size, so it keeps a lossy summary of the past.",
            ),
        ),
    )
    said = "Mamba has an infinite memory because its state carries the whole sequence."
    result = grade(question, said)
    assert result.verdict is Verdict.INCORRECT
    assert "misconception" in result.feedback
    # The same words denied are no wrong claim.
    denied = (
        "The past is compressed into a fixed-size state; it is not true that Mamba has an "
        "infinite memory."
    )
    assert "misconception" not in grade(question, denied).feedback


def test_a_negated_point_is_not_stated_by_its_words_spread_over_clauses_without_the_negation() -> (
    None
):
    leaf = Question(
        id="leaf",
        prompt="What is a leaf of a tree data structure?",
        kind=Kind.OPEN,
        topic="python",
        level="junior",
        model_answer="A node that has no children.",
        key_points=(KeyPoint("a node that has no children", ("a node without children",)),),
    )
    assert grade(leaf, "A leaf is a node with no children.").verdict is Verdict.CORRECT
    wrong = grade(leaf, "A leaf is a node with children, it is a terminating node.")
    assert wrong.verdict is not Verdict.CORRECT
    assert wrong.covered == ()


def test_a_hedge_between_short_alternatives_inside_a_longer_answer_is_half_credit() -> None:
    kv = Question(
        id="kv",
        prompt="How many KiB of KV cache does each token take?",
        kind=Kind.SHORT,
        topic="inference",
        level="mid",
        model_answer="128 KiB",
        accepted=("128 KiB", "128"),
    )
    hedge = grade(kv, "either 128 or 256 KiB, depends if you count keys and values separately")
    assert hedge.score == 50
    assert grade(kv, "128 KiB, counting keys and values").score == 100
    assert grade(kv, "128 or 128 KiB").score == 100


def _agent_question() -> Question:
    return Question(
        id="agent",
        prompt="An email agent can read mail and send email. How do you make it safe?",
        kind=Kind.OPEN,
        topic="llm-security",
        level="senior",
        model_answer="Recipients are constrained by code, and the cache wastes almost nothing.",
        key_points=(
            KeyPoint("recipients are constrained by code", ("code limits the recipients",), True),
            KeyPoint("paging leaves near-zero waste", ("waste is near zero",), False),
            KeyPoint("decontaminate before training", ("filter leaks before training",), False),
        ),
    )


def test_a_synonym_in_the_same_slot_states_the_point() -> None:
    got = grade(_agent_question(), "The recipients are restricted by code in the tool layer.")
    assert "recipients are constrained by code" in got.covered


def test_almost_no_is_not_a_negation() -> None:
    got = grade(_agent_question(), "With paging there is almost no waste at all.")
    assert "paging leaves near-zero waste" not in got.contradicted


def test_a_contrast_word_next_to_one_other_word_is_not_a_swap() -> None:
    answer = "We test on a benchmark released after the teacher's training cutoff."
    assert grade(_agent_question(), answer).contradicted == ()


def _bias_question() -> Question:
    return Question(
        id="bias",
        prompt="How would you evaluate and reduce social bias in word embeddings?",
        kind=Kind.OPEN,
        topic="embeddings",
        level="mid",
        model_answer="Measure with WEAT or a bias direction; use MTEB as a start.",
        key_points=(
            KeyPoint("measure with WEAT or a bias direction", ("WEAT association test",)),
            KeyPoint("MTEB as a start", ("start from MTEB scores",)),
        ),
    )


def test_a_negation_in_the_next_sentence_does_not_deny_the_point() -> None:
    got = grade(_bias_question(), "Measure with WEAT. Hard debiasing does not remove bias.")
    assert got.contradicted == ()


def test_rather_than_only_keeps_what_follows() -> None:
    got = grade(_bias_question(), "Build a domain test set rather than only MTEB as a start.")
    assert got.contradicted == ()


def test_terse_prose_stating_every_core_point_stays_correct_and_lists_them_as_covered() -> None:
    stem = Question(
        id="stem",
        prompt="What is the difference between stemming and lemmatization?",
        kind=Kind.OPEN,
        topic="nlp-basics",
        level="junior",
        model_answer="Stemming cuts suffixes with rules; lemmatization maps a word to its lemma.",
        key_points=(
            KeyPoint(
                "stemming cuts word suffixes with heuristic rules", ("chops off suffixes",), True
            ),
            KeyPoint("lemmatization returns the dictionary form", core=True),
            KeyPoint("stems can be non-words", core=False),
        ),
    )
    got = grade(stem, "Stemming chops suffixes by rule; lemmatization returns the dictionary form.")
    assert got.verdict is Verdict.CORRECT, got
    assert "lemmatization returns the dictionary form" in got.covered
    assert not any(p in got.missed for p in got.covered)
    assert "You stated the core point" in got.feedback


def test_a_vague_answer_on_the_question_s_ground_is_low_partial_not_incorrect() -> None:
    answer = "A p-value is a probability you compute from the data, and small values matter."
    vague = grade(_question(), answer)
    assert vague.verdict is Verdict.PARTIAL and vague.score <= 45, vague


def _attribution_question() -> Question:
    return _core_question(
        "How do you explain an LLM's output?", "SHAP or LIME perturb inputs to measure influence"
    )


def test_a_contrast_word_away_from_the_word_it_would_replace_is_not_a_swap() -> None:
    # "output" comes after the other words, where "inputs" stands before them in the point.
    fair = "Use SHAP and LIME to see which words influenced the output."
    assert grade(_attribution_question(), fair).contradicted == ()
    swapped = "SHAP or LIME perturb the outputs to measure influence."
    assert grade(_attribution_question(), swapped).contradicted != ()


def _hmm_question() -> Question:
    return Question(
        id="hmm",
        prompt="How does an HMM tag parts of speech?",
        kind=Kind.OPEN,
        topic="sequence-models",
        level="mid",
        model_answer="Tags are hidden states; emission probabilities are P(word | tag).",
        key_points=(
            KeyPoint("tags are hidden states and words are observations", core=True),
            KeyPoint("emission probabilities are P(word | tag)", core=True),
            KeyPoint(
                "transition probabilities between consecutive tags follow the Markov assumption",
                core=True,
            ),
            KeyPoint("Viterbi decodes the best tag sequence", core=False),
        ),
        misconceptions=(
            Misconception(
                "emission probabilities are P(tag | word)",
                ("the emission gives the probability of a tag given the word",),
                "emissions are P(word | tag); the tag posterior comes out of decoding",
            ),
        ),
    )


def test_a_wrong_claim_made_of_the_right_words_in_another_order_needs_its_own_order() -> None:
    right = (
        "Tags are hidden states and words observations; emission probabilities are P(word | tag)."
    )
    assert "misconception" not in grade(_hmm_question(), right).feedback
    wrong = (
        "Tags are hidden states and words observations; emission probabilities are P(tag | word)."
    )
    got = grade(_hmm_question(), wrong)
    assert "misconception" in got.feedback
    assert got.verdict is not Verdict.CORRECT


def test_a_wrong_claim_is_read_in_its_tightest_window() -> None:
    question = _core_question(
        "How does the GIL shape parallel work in Python?",
        "processes for CPU-bound work",
        # The model answer names threads too, in another clause: it must not excuse the claim.
        model_answer="Processes for CPU-bound work, threads for network waits.",
        misconceptions=(
            Misconception(
                "threads bypass the GIL for CPU-bound code",
                ("use threads for CPU-bound work",),
                "only one thread runs Python bytecode at a time",
            ),
        ),
    )
    # "CPU" also occurs earlier, in another clause; the wrong claim is still one statement.
    answer = "NumPy uses one CPU core, so for CPU-bound work you should use threads."
    assert "misconception" in grade(question, answer).feedback


def test_all_core_points_but_one_half_stated_can_still_be_correct() -> None:
    strong = (
        "The tags are the hidden states and the words are observations. Emission "
        "probabilities are P(word | tag), and Viterbi decodes the best tag sequence. "
        "There are transitions too."
    )
    got = grade(_hmm_question(), strong)
    # The transition point is only half stated: not covered, yet the answer is correct.
    assert "transition probabilities" in " ".join(got.missed)
    assert got.verdict is Verdict.CORRECT, got
    # The same points as a bare list never qualify.
    listed = "hidden states, observations, emission probabilities, transition, Viterbi"
    assert grade(_hmm_question(), listed).verdict is not Verdict.CORRECT


def test_a_word_with_able_states_the_same_point() -> None:
    from bot.services.scoring import similarity
    from bot.services.scoring.open import assess

    got = assess([KeyPoint("components are reusable", core=True)], "You can reuse components.")
    assert got.results[0].credit == 1.0
    assert similarity("Existing classes can be reused.", "Abstraction and reusability.") > 0


def test_without_denies_only_its_own_object() -> None:
    question = _core_question(
        "How do you detect data drift?",
        "compare live feature distributions with a reference window",
    )
    fair = "It can be detected without labels by comparing live feature distributions to a window."
    got = grade(question, fair)
    assert got.contradicted == () and got.verdict is Verdict.CORRECT
    denied = "Do it without comparing live feature distributions to a reference window."
    assert grade(question, denied).contradicted != ()


def test_rises_is_the_opposite_of_falls() -> None:
    question = _core_question(
        "What is double descent?", "past the interpolation threshold test error falls again"
    )
    assert (
        grade(question, "Past the interpolation threshold test error falls again.").contradicted
        == ()
    )
    assert (
        grade(question, "Past the interpolation threshold test error rises again.").contradicted
        != ()
    )


def test_false_positives_and_fail_over_are_terms_not_denials() -> None:
    question = _core_question(
        "How do you roll out an injection classifier?",
        "measure false positives on real traffic",
        "route requests to a backup model when the main one is down",
    )
    answer = (
        "Measure false positives on real traffic. When the main model is down, fail over and "
        "route requests to a backup model."
    )
    got = grade(question, answer)
    assert got.contradicted == () and got.verdict is Verdict.CORRECT, got
    assert grade(question, "It is false that you measure positives on traffic.").contradicted


def test_fails_denies_only_as_fails_to() -> None:
    question = _core_question(
        "How do you call a flaky API?", "retry requests with exponential backoff"
    )
    answer = "If requests fail retry them with exponential backoff."
    assert grade(question, answer).verdict is Verdict.CORRECT
    question = _core_question("Does the model converge?", "the model converges on the task")
    assert grade(question, "The model fails to converge on the task.").contradicted != ()


def test_words_that_only_share_letters_are_not_one_root() -> None:
    from bot.text import same_root, stem

    assert same_root(stem("scalable"), stem("scale"))
    assert not same_root(stem("stats"), stem("state"))
    assert not same_root(stem("plane"), stem("plan"))
