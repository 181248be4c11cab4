"""A scripted candidate for mock-interview tests: knows the interview test pack
(tests/data/interview) and answers whatever question a reply asks."""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import load_packs
from bot.domain import Question
from bot.views import Reply

INTERVIEW_PACKS = Path(__file__).parent / "data" / "interview"

STAR = (
    "Last year at my previous job our team had to ship a search feature in three weeks and "
    "I was responsible for the ranking part, with a framework I had never used. I decided to "
    "read the official tutorial on the first day, I built a small prototype and I asked a "
    "colleague to review it. I wrote tests first and I measured latency every day. As a "
    "result we shipped on time and latency dropped by 30%. I learned to prototype early."
)

# Good answers to every main question of the pack; the LoRA and support-bot answers leave
# out the point their follow-up probes, so a mid candidate is followed up on them.
ANSWERS: dict[str, str] = {
    "iv-llms-context-window": "context window",
    "iv-llms-temperature": "A",
    "iv-llms-lora": (
        "LoRA learns two low-rank matrices per layer, so there are far fewer trainable "
        "parameters and much less memory is needed."
    ),
    "iv-llms-rag": (
        "RAG retrieves relevant documents at query time and grounds the answer in the "
        "retrieved context, and the knowledge can be updated without retraining."
    ),
    "iv-sd-support-bot": (
        "I would call the order API to track orders and measure containment and customer "
        "satisfaction every week so we know the bot helps."
    ),
    "iv-sd-search": (
        "I would embed the articles and the query with the same model, keep them in an "
        "approximate nearest neighbour index and rerank the top results with a cross-encoder."
    ),
    "iv-code-cosine": (
        "def cosine(a, b): compute the dot product of the vectors, divide by the product of "
        "the norms, and handle a zero vector by returning 0."
    ),
    "iv-code-topk": (
        "I count the words with a dictionary (a Counter) and then take the k largest counts "
        "with most_common."
    ),
    "iv-beh-learn-fast": STAR,
    "iv-beh-disagree": STAR,
}
FOLLOW_UP_ANSWERS: dict[str, str] = {
    "iv-llms-lora": "The original weights stay frozen, so one base model can serve many adapters.",
    "iv-sd-support-bot": "When the bot has low confidence in the intent, it hands over.",
    "iv-llms-rag": "Ask the model to cite sources and measure faithfulness against the context.",
}


def interview_questions() -> list[Question]:
    loaded = load_packs(INTERVIEW_PACKS)
    assert loaded.ok, loaded.problems
    return loaded.questions


def asked(reply: Reply, questions: list[Question]) -> tuple[Question, int | None]:
    """The question a reply asks and, for a follow-up, which of its follow-ups."""
    for question in questions:
        for index, follow_up in enumerate(question.follow_ups):
            if follow_up.prompt in reply.text:
                return question, index
    found = [q for q in questions if q.prompt in reply.text]
    assert len(found) == 1, reply.plain_text()
    return found[0], None


def answer_for(reply: Reply, questions: list[Question]) -> str:
    question, follow_up = asked(reply, questions)
    return FOLLOW_UP_ANSWERS[question.id] if follow_up is not None else ANSWERS[question.id]
