"""prepbot: interview practice for NLP, ML, LLM and GenAI roles."""

__version__ = "0.1.0"
