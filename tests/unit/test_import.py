"""Bring your own questions: reading CSV and trivia files into a community's pack."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from bot.bootstrap import build_core
from bot.content.importer import (
    GENERATED_WHY_WRONG,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    Defaults,
    UnusableInput,
    build,
    decode,
    detect_format,
    import_questions,
    list_topic,
    parse_community,
    parse_csv,
    parse_trivia,
    read_csv,
    read_drafts,
    refuse_duplicates,
)
from bot.domain import Kind
from bot.services.context import Caller
from bot.testing import FakeUnitOfWorkFactory

DATA = Path(__file__).parent.parent / "data" / "import"
HEADER = "prompt,kind,answer,accepted,choices,why_wrong,topic,level\n"


def broken_csv() -> str:
    return decode((DATA / "broken.csv").read_bytes())


def test_broken_rows_are_refused_by_row_and_the_good_rows_kept():
    parsed = parse_csv(broken_csv(), community_id=7)
    assert [e.where for e in parsed.entries] == ["row 2", "row 3", "row 5", "row 7"]
    assert [str(r) for r in parsed.refusals] == [
        "row 4: answer: the answer is not one of the options",
        "row 9: answer: no answer given (fill answer or model_answer)",
        "row 10: topic: unknown topic 'vector-stores'; use one of " + ", ".join(_topics()),
        "row 11: has 14 fields but the header has 12 "
        "(a missing comma, or a comma in an unquoted field?)",
        "row 12: prompt: the same question as row 2",
        "row 13: difficulty: Input should be less than or equal to 5",
        "row 14: prompt: String should have at least 5 characters",
    ]


def _topics() -> list[str]:
    from bot.content.topics import TOPICS

    return list(TOPICS)


def test_csv_cells_become_questions_of_the_community():
    parsed = parse_csv(broken_csv(), community_id=7)
    rag, tokenizer, f1, bias = parsed.questions
    assert all(q.community_id == 7 and q.id.startswith("c7-") for q in parsed.questions)
    # short: the answer leads the accepted answers and is the model answer
    assert rag.kind is Kind.SHORT and rag.topic == "llms" and rag.level == "junior"
    assert rag.accepted == (
        "retrieval-augmented generation",
        "retrieval augmented generation",
        "RAG",
    )
    assert rag.model_answer == "retrieval-augmented generation"
    # choice: kind inferred from choices, the letter names the option, missing reasons filled
    assert tokenizer.kind is Kind.CHOICE
    assert tokenizer.correct_choice and tokenizer.correct_choice.text == "Byte-level BPE"
    assert [c.why_wrong for c in tokenizer.choices] == [
        "WordPiece is what BERT uses.",
        None,
        GENERATED_WHY_WRONG,
    ]
    # defaults: topic custom, level mid; a quoted comma stays in the prompt
    assert (f1.topic, f1.level) == ("custom", "mid")
    assert "precision and recall, as a single number" in f1.prompt
    # a quoted field spans lines (the CR of a CRLF file is dropped); open key points
    assert bias.prompt == "Explain the bias-variance trade-off,\nin two sentences."
    assert [p.text for p in bias.key_points] == ["underfitting", "overfitting", "model capacity"]


def test_ids_are_stable_so_a_reimport_updates_the_same_questions():
    first = parse_csv(broken_csv(), community_id=7)
    again = parse_csv(broken_csv(), community_id=7)
    assert [q.id for q in first.questions] == [q.id for q in again.questions]
    assert len({q.id for q in first.questions}) == 4
    other = parse_csv(broken_csv(), community_id=8)
    assert all(q.id.startswith("c8-") for q in other.questions)


def test_given_ids_are_kept_but_scoped_to_the_community():
    text = "id," + HEADER.replace("\n", "") + "\n"
    text += "my-question,What is a stop word in NLP?,short,a very common word,,,,,\n"
    text += "c7-kept,What does BPE stand for in tokenisation?,short,byte pair encoding,,,,,\n"
    text += "Bad Id!,What does OOV stand for in NLP?,short,out of vocabulary,,,,,\n"
    parsed = parse_csv(text, community_id=7)
    assert [q.id for q in parsed.questions] == ["c7-my-question", "c7-kept"]
    [refusal] = parsed.refusals
    assert refusal.where == "row 4" and refusal.reason.startswith("id: id must be a slug")


def test_header_is_case_insensitive_and_bom_and_blank_lines_are_fine():
    data = "\ufeff\n  PROMPT , Answer, Model Answer\n\n"
    data += "What is tokenisation in NLP?,splitting text,\n\n"
    parsed = parse_csv(decode(data.encode("utf-8")), community_id=1)
    [question] = parsed.questions
    assert question.prompt == "What is tokenisation in NLP?"
    assert question.model_answer == "splitting text"
    assert parsed.entries[0].where == "row 4"


def test_a_row_with_too_few_fields_is_refused():
    text = HEADER + "What is a token in NLP?,short\n"
    parsed = parse_csv(text, community_id=1)
    assert parsed.questions == []
    assert str(parsed.refusals[0]) == (
        "row 2: has 2 fields but the header has 8 "
        "(a missing comma, or a comma in an unquoted field?)"
    )


def test_choice_answer_as_option_text_and_pipes_can_be_escaped():
    text = HEADER + "Which operator is a pipe in shells?,,a \\| b,,a \\| b|a & b|a ; b,,python,\n"
    [question] = parse_csv(text, community_id=1).questions
    assert [c.text for c in question.choices] == ["a | b", "a & b", "a ; b"]
    assert question.correct_choice and question.correct_choice.text == "a | b"


def test_an_unknown_column_is_noted_not_silently_dropped():
    text = "prompt,answer,acepted\nWhat does NER stand for?,named entity recognition,ner\n"
    parsed = parse_csv(text, community_id=1)
    assert len(parsed.questions) == 1
    assert parsed.notes and "acepted" in parsed.notes[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("prompt,answer\n", "no questions"),
        ("text,answer\nWhat is NLP?,language\n", "at least `prompt`"),
        ("prompt,answer,Answer\nWhat is NLP?,a,b\n", "twice: answer"),
        ('prompt,answer\n"What is NLP?,x\nWhat is AI?,y\n', "line 3: the CSV is malformed"),
    ],
)
def test_unusable_csv_is_refused_whole(text, message):
    with pytest.raises(UnusableInput, match=message):
        read_csv(text)


def test_hostile_text_is_bounded_by_the_schema_and_control_characters_dropped():
    long_prompt = "Why " + "x" * 5000 + "?"
    text = HEADER + f"{long_prompt},short,x,,,,,\n" + "What\x00 is\x07 NLP?,short,language,,,,,\n"
    parsed = parse_csv(text, community_id=1)
    assert str(parsed.refusals[0]) == "row 2: prompt: String should have at most 2000 characters"
    [question] = parsed.questions
    assert question.prompt == "What is NLP?"


def test_topic_and_level_defaults_apply_to_empty_cells():
    text = HEADER + "What is a language model?,short,a distribution over text,,,,,\n"
    [question] = parse_csv(text, 1, Defaults(topic="llms", level="senior")).questions
    assert (question.topic, question.level) == ("llms", "senior")


def test_trivia_list_skips_author_and_config_and_reads_answers_as_red_does():
    text = decode((DATA / "trivia.yaml").read_bytes())
    parsed = parse_trivia(text, community_id=3)
    by_prompt = {q.prompt: q for q in parsed.questions}
    assert len(by_prompt) == 4
    assert not any(p in ("AUTHOR", "CONFIG") for p in by_prompt)
    year = by_prompt['In which year was the paper "Attention Is All You Need" published?']
    assert (year.kind, year.accepted, year.model_answer) == (Kind.SHORT, ("2017",), "2017")
    assert (year.topic, year.level) == ("custom", "mid")
    assert by_prompt["Which company released the BERT model?"].accepted == ("Google", "Google AI")
    assert by_prompt["Is the GPT family of models decoder-only?"].accepted == ("Yes", "True", "On")
    assert by_prompt["What is 0.1 plus 0.2, rounded to one decimal place?"].accepted == ("0.3",)
    assert [str(r) for r in parsed.refusals] == [
        'question "Hm?": prompt: String should have at least 5 characters',
        'question "Which library provides the AutoTokenizer class?": no accepted answers',
        'question "What does the acronym LSTM stand for?": '
        "answers must be a list of text or numbers",
    ]


def test_trivia_topic_and_level_options():
    text = "What does GPU stand for?:\n- graphics processing unit\n"
    [question] = parse_trivia(text, 1, Defaults(topic="training", level="junior")).questions
    assert (question.topic, question.level) == ("training", "junior")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a YAML mapping"),
        ("AUTHOR: me\n", "no questions"),
        ("q: [unclosed\n", "not valid YAML at line"),
    ],
)
def test_unusable_trivia_is_refused_whole(text, message):
    with pytest.raises(UnusableInput, match=message):
        parse_trivia(text, community_id=1)


def test_non_utf8_file_gets_a_clear_error():
    data = "prompt,answer\nQu'est-ce qu'un modèle?,réponse\n".encode("latin-1")
    with pytest.raises(UnusableInput, match=r"not UTF-8 text \(first bad byte on line 2\)"):
        decode(data)


def test_utf16_with_a_byte_order_mark_is_read():
    data = "prompt,answer\nWhat is a modèle?,x\n".encode("utf-16")
    assert "modèle" in decode(data)


def test_oversized_files_are_refused():
    with pytest.raises(UnusableInput, match="larger than 5 MB"):
        decode(b"x" * (MAX_IMPORT_BYTES + 1))
    rows = "".join(f"What is question number {n}?,answer\n" for n in range(MAX_IMPORT_ROWS + 1))
    with pytest.raises(UnusableInput, match=f"more than {MAX_IMPORT_ROWS} rows"):
        read_csv("prompt,answer\n" + rows)
    entries = "".join(f"What is question number {n}?: [a]\n" for n in range(MAX_IMPORT_ROWS + 1))
    with pytest.raises(UnusableInput, match=f"more than {MAX_IMPORT_ROWS} questions"):
        read_drafts(entries.encode(), "trivia")


def test_near_duplicates_of_existing_questions_are_refused(sample_questions):
    text = HEADER + (
        "What does the abbreviation TF-IDF stand for,short,tf-idf,,,,,\n"
        "What is the abbreviation TF IDF standing for?,short,tf-idf,,,,,\n"
        "Name a subword tokenisation algorithm.,short,BPE,,,,,\n"
        "Name one subword tokenisation algorithm!,short,WordPiece,,,,,\n"
    )
    parsed = refuse_duplicates(parse_csv(text, community_id=1), sample_questions)
    assert [q.prompt for q in parsed.questions] == [
        "What is the abbreviation TF IDF standing for?",
        "Name a subword tokenisation algorithm.",
    ]
    reasons = {r.where: r.reason for r in parsed.refusals}
    assert reasons["row 2"].startswith("prompt: near-duplicate of nlp-basics-sample-tfidf (")
    assert reasons["row 5"].startswith("prompt: near-duplicate of row 4 (")
    assert "row 3" not in reasons  # too different to count as the same question


def test_a_question_is_not_a_duplicate_of_its_own_earlier_import():
    text = HEADER + "What is a stop word in NLP?,short,a very common word,,,,,\n"
    earlier = parse_csv(text, community_id=1).questions
    again = refuse_duplicates(parse_csv(text, community_id=1), earlier)
    assert len(again.questions) == 1 and not again.refusals


@pytest.mark.parametrize(
    ("value", "expected"),
    [("discord:123456789", ("discord", "123456789")), ("Console:local", ("console", "local"))],
)
def test_community_is_platform_and_id(value, expected):
    assert parse_community(value) == expected


@pytest.mark.parametrize("value", ["123", "discord:", "irc:42"])
def test_bad_community_is_unusable(value):
    with pytest.raises(UnusableInput):
        parse_community(value)


def test_format_from_extension_or_option():
    assert detect_format("q.CSV") == "csv"
    assert detect_format("list.yml") == "trivia"
    assert detect_format("list.txt", "trivia") == "trivia"
    with pytest.raises(UnusableInput, match="--format"):
        detect_format("list.txt")


# -- storing through the fakes ------------------------------------------------------------


def caller(community: str, member: str = "ann") -> Caller:
    return Caller("discord", community, member, member, channel_external_id="general")


async def test_import_stores_the_good_rows_and_reports_the_rest(clock, sample_questions):
    uow = FakeUnitOfWorkFactory()
    core = build_core(uow, clock, random.Random(1))
    await core.catalog.sync(sample_questions)
    drafts = read_drafts((DATA / "broken.csv").read_bytes(), "csv")
    report = await import_questions(uow, clock, "discord", "111", drafts)
    assert (report.added, report.updated, report.unchanged) == (4, 0, 0)
    assert report.exit_code == 1
    text = str(report)
    assert text.startswith("Imported 4 questions into discord:111 (4 new, 0 updated); refused 7:")
    assert "\n  row 4: answer: the answer is not one of the options" in text
    again = await import_questions(uow, clock, "discord", "111", drafts)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    counts = await core.catalog.counts()
    assert sum(c.count for c in counts) == len(sample_questions)  # shipped untouched
    reply = await core.quiz.ask(caller("111"), ["custom"])
    assert "harmonic mean" in reply.text
    other = await core.quiz.ask(caller("222"), ["custom"])
    assert other.error and "no questions for custom" in other.text


# -- issue 10: look-alike questions are not duplicates; a list keeps its name ----------------


def test_look_alike_questions_about_different_things_are_all_imported():
    drafts = read_drafts(
        (DATA / "worldcapitals.yaml").read_bytes(),
        "trivia",
        Defaults("worldcapitals", own_topic=True),
    )
    parsed = refuse_duplicates(build(drafts, community_id=1), [])
    prompts = [q.prompt for q in parsed.questions]
    assert (
        "What is the capital of Syria?" in prompts and "What is the capital of Serbia?" in prompts
    )
    assert "What is the capital of Tonga?" in prompts and "What is the capital of Togo?" in prompts
    assert "What is the capital of Austria?" in prompts
    assert "What is the capital of Australia?" in prompts
    # Only the true duplicate is refused.
    assert [(r.where, r.reason.split(" (")[0]) for r in parsed.refusals] == [
        (
            'question "What is the capitol of Syria?"',
            'prompt: near-duplicate of question "What is the capital of Syria?"',
        )
    ]
    assert {q.topic for q in parsed.questions} == {"worldcapitals"}


def test_acronyms_that_differ_are_different_questions():
    drafts = read_drafts((DATA / "computers.yaml").read_bytes(), "trivia")
    parsed = refuse_duplicates(build(drafts, community_id=1), [])
    assert len(parsed.questions) == 3 and not parsed.refusals


def test_the_bank_validation_tells_look_alikes_from_duplicates(sample_questions):

    from bot.content.loader import cross_pack_problems

    base = sample_questions[1]
    variants = [
        replace(base, id="q-syria", prompt="What is the capital of Syria?"),
        replace(base, id="q-serbia", prompt="What is the capital of Serbia?"),
        replace(base, id="q-rom", prompt="What does ROM stand for?"),
        replace(base, id="q-cdr", prompt="What does CD-R stand for?"),
        replace(base, id="q-syria-2", prompt="What is the capitol of Syria?"),
    ]
    problems = cross_pack_problems([("pack.yaml", q) for q in variants])
    assert [(p.question_id, p.message.split(" (")[0]) for p in problems] == [
        ("q-syria-2", "near-duplicate of q-syria")
    ]


def test_a_list_name_becomes_a_topic_slug():
    assert list_topic("/tmp/worldcapitals.yaml") == "worldcapitals"
    assert list_topic("World Capitals (2024).yml") == "world-capitals-2024"
    assert list_topic("¿?.yaml") == "custom"


async def test_members_quiz_an_imported_list_by_its_name(clock, sample_questions):
    uow = FakeUnitOfWorkFactory()
    core = build_core(uow, clock, random.Random(1))
    await core.catalog.sync(sample_questions)
    path = DATA / "worldcapitals.yaml"
    drafts = read_drafts(path.read_bytes(), "trivia", Defaults(list_topic(path), own_topic=True))
    report = await import_questions(uow, clock, "discord", "111", drafts)
    assert report.added == 6
    reply = await core.handle(caller("111"), "quiz", ["worldcapitals"])
    assert not reply.error and "capital of" in reply.text
    assert reply.title and reply.title.startswith("worldcapitals · ")
    topics = await core.handle(caller("111"), "topics")
    assert "`worldcapitals` — worldcapitals (mid 6)" in topics.text
    practice = await core.handle(caller("111", "bob"), "practice", ["worldcapitals"])
    assert not practice.error and "capital of" in practice.text
    admin = replace(caller("111", "ada"), is_admin=True)
    daily = await core.handle(admin, "qotd", ["setup", "09:00", "topics=worldcapitals"])
    assert not daily.error and "Topics: worldcapitals" in daily.text
    # Another community has no such topic.
    other = await core.handle(caller("222"), "quiz", ["worldcapitals"])
    assert other.error and "I don't know the topic `worldcapitals`" in other.text
