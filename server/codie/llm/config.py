"""Which provider to use: the "llm" settings section, overridden by the environment.

Settings ([tool.codie.llm] or the client's {"llm": {...}}):
    provider  = "offline" | "ollama" | "openai"   (default offline)
    model     = model name (default: qwen2.5-coder:7b for ollama, gpt-4o-mini for openai)
    base-url  = OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1)
    host      = Ollama host (default $OLLAMA_HOST or 127.0.0.1:11434)
    timeout   = seconds per request (default 60), retries = attempts after the first (2)
    redact    = true (default): secrets and personal data never leave the machine
    verdicts  = ask the model whether findings are true positives (default true with a model)
Environment: CODIE_LLM_PROVIDER, CODIE_LLM_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY,
CODIE_LLM_API_KEY, OLLAMA_HOST, CODIE_LLM_TIMEOUT (the environment wins over settings).

API keys come from the environment only, never from a project's files. Because a project's
pyproject.toml may name any base-url, OPENAI_API_KEY is only sent to OpenAI itself or to
the endpoint named by $OPENAI_BASE_URL; for another endpoint set CODIE_LLM_API_KEY.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROVIDERS = ("offline", "ollama", "openai")
DEFAULT_MODELS = {"offline": "offline", "ollama": "qwen2.5-coder:7b", "openai": "gpt-4o-mini"}


@dataclass(frozen=True, slots=True)
class LLMConfig:
    provider: str = "offline"
    model: str = "offline"
    base_url: str | None = None
    host: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    retries: int = 2
    temperature: float = 0.0
    redact: bool = True
    verdicts: bool = False

    @property
    def remote(self) -> bool:
        return self.provider != "offline"


def _get(section: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in section:
            return section[name]
    return None


def load_config(
    section: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> tuple[LLMConfig, list[str]]:
    """The configuration and the problems found (bad values fall back to defaults)."""
    section = section or {}
    env = os.environ if env is None else env
    problems: list[str] = []
    provider = str(env.get("CODIE_LLM_PROVIDER") or _get(section, "provider") or "offline").lower()
    if provider not in PROVIDERS:
        problems.append(f"llm.provider must be one of {', '.join(PROVIDERS)}, got {provider!r}")
        provider = "offline"
    model = env.get("CODIE_LLM_MODEL") or _get(section, "model") or DEFAULT_MODELS[provider]
    timeout = _number(env.get("CODIE_LLM_TIMEOUT") or _get(section, "timeout"), 60.0, "timeout",
                      problems)
    retries = int(_number(_get(section, "retries"), 2, "retries", problems))
    temperature = _number(_get(section, "temperature"), 0.0, "temperature", problems)
    redact = _get(section, "redact")
    verdicts = _get(section, "verdicts")
    base_url = env.get("OPENAI_BASE_URL") or _str(_get(section, "base-url", "base_url", "baseUrl"))
    api_key = env.get("CODIE_LLM_API_KEY") or None
    if api_key is None and (base_url is None or base_url == env.get("OPENAI_BASE_URL")):
        api_key = env.get("OPENAI_API_KEY") or None  # never to a project-chosen endpoint
    return LLMConfig(
        provider=provider,
        model=str(model),
        base_url=base_url,
        host=env.get("OLLAMA_HOST") or _str(_get(section, "host")),
        api_key=api_key,
        timeout=timeout,
        retries=max(0, retries),
        temperature=temperature,
        redact=True if redact is None else bool(redact),
        verdicts=(provider != "offline") if verdicts is None else bool(verdicts),
    ), problems


def _str(value: Any) -> str | None:
    return str(value) if value else None


def _number(value: Any, default: float, name: str, problems: list[str]) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(f"llm.{name} must be a number, got {value!r}")
        return default
    if number < 0:
        problems.append(f"llm.{name} must not be negative")
        return default
    return number
