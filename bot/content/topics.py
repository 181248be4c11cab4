"""The curriculum's topics. A pack's `topic` must be one of these slugs."""

TOPICS: dict[str, str] = {
    "nlp-basics": "NLP basics",
    "ml-foundations": "ML foundations",
    "deep-learning": "Deep learning",
    "embeddings": "Embeddings",
    "sequence-models": "Sequence models",
    "transformers": "Transformers",
    "llms": "Large language models",
    "fine-tuning": "Fine-tuning",
    "training": "Training at scale",
    "deployment": "Deployment and serving",
    "statistics": "Statistics",
    "python": "Python",
    "databases": "Databases and vector stores",
    "llm-frameworks": "LLM frameworks",
    "responsible-ai": "Responsible AI",
    "system-design": "System design scenarios",
    "coding": "Coding",
    "behavioral": "Behavioral",
    # Questions a community imports itself land here unless they name a topic above.
    "custom": "Community questions",
}

# Interview tracks (`/interview start [level] [track]`): the topics each kind of role is
# questioned on, most central first. Scenario questions come from these and from
# system-design; coding and behavioral questions are shared by every track.
TRACKS: dict[str, tuple[str, ...]] = {
    "nlp": (
        "nlp-basics",
        "embeddings",
        "sequence-models",
        "transformers",
        "deep-learning",
        "statistics",
    ),
    "llm": ("llms", "transformers", "fine-tuning", "training", "deployment", "llm-frameworks"),
    "ml": ("ml-foundations", "statistics", "deep-learning", "training", "deployment", "python"),
    "genai": (
        "llms",
        "llm-frameworks",
        "databases",
        "embeddings",
        "fine-tuning",
        "responsible-ai",
    ),
}
