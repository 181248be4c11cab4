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
    # Bank v2 (issue 14): what LLM-engineer interviews ask in 2025-2026.
    "rag-evaluation": "RAG evaluation",
    "llm-security": "Guardrails and LLM security",
    "agents": "Agents",
    "inference": "Inference optimisation",
    "quantization": "Quantization formats",
    "mixture-of-experts": "Mixture of experts and latent attention",
    "preference-optimization": "Preference optimisation",
    "reasoning-models": "Reasoning models",
    "architectures-beyond-transformers": "State-space and hybrid models",
    "vision-language": "Vision-language models",
    "synthetic-data": "Synthetic data pipelines",
    "model-merging": "Model merging",
    "context-engineering": "Context engineering and long context",
    "llm-observability": "Evaluating and observing LLM apps",
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
    "llm": (
        "llms",
        "transformers",
        "fine-tuning",
        "training",
        "deployment",
        "llm-frameworks",
        "inference",
        "quantization",
        "preference-optimization",
        "reasoning-models",
        "mixture-of-experts",
        "architectures-beyond-transformers",
    ),
    "ml": ("ml-foundations", "statistics", "deep-learning", "training", "deployment", "python"),
    "genai": (
        "llms",
        "llm-frameworks",
        "databases",
        "embeddings",
        "fine-tuning",
        "responsible-ai",
        "rag-evaluation",
        "agents",
        "llm-security",
        "context-engineering",
        "llm-observability",
        "vision-language",
        "synthetic-data",
        "model-merging",
    ),
}

# Topics whose open, scenario and coding questions must name their sources (see
# bot/content/provenance.py). Every bank v2 topic; older topics join once re-checked.
SOURCES_REQUIRED: frozenset[str] = frozenset(
    {
        "rag-evaluation",
        "llm-security",
        "agents",
        "inference",
        "quantization",
        "mixture-of-experts",
        "preference-optimization",
        "reasoning-models",
        "architectures-beyond-transformers",
        "vision-language",
        "synthetic-data",
        "model-merging",
        "context-engineering",
        "llm-observability",
    }
)
