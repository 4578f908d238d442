"""Language-model review: providers, redaction, explanations, verified fixes and verdicts.

Everything here works without a model: the offline provider composes explanations from
the rule catalogue and the finding's evidence. Ollama and OpenAI-compatible endpoints are
optional and chosen by settings ("llm" section) or environment (see llm/config.py).
"""
