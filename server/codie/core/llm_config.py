"""Which provider to use: the "llm" settings section, overridden by the environment.

Settings ([tool.codie.llm] or the client's {"llm": {...}}):
    provider  = "offline" | "ollama" | "openai"   (default offline)
    model     = model name (default: qwen2.5-coder:7b for ollama, gpt-4o-mini for openai)
    base-url  = OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1)
    host      = Ollama host (default $OLLAMA_HOST or 127.0.0.1:11434)
    endpoint  = either of the two, for the chosen provider (the editors' codie.llm.endpoint)
    timeout   = the deadline of one request in seconds, retries included (default 30): the
                answer must start within it, and a stream that stalls for as long is cut off
    retries   = attempts after the first, within the deadline (default 2)
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from codie.core.config import describe_value

PROVIDERS = ("offline", "ollama", "openai")
DEFAULT_MODELS = {"offline": "offline", "ollama": "qwen2.5-coder:7b", "openai": "gpt-4o-mini"}
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 3600.0
MAX_RETRIES = 10


@dataclass(frozen=True, slots=True)
class LLMConfig:
    provider: str = "offline"
    model: str = "offline"
    base_url: str | None = None
    host: str | None = None
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT  # the deadline of one request, retries included
    retries: int = 2
    temperature: float = 0.0
    redact: bool = True
    verdicts: bool = False

    @property
    def remote(self) -> bool:
        return self.provider != "offline"

    @property
    def endpoint(self) -> str:
        """Where the provider is asked, for messages (never carries the key)."""
        if self.provider == "openai":
            return self.base_url or "https://api.openai.com/v1"
        if self.provider == "ollama":
            return self.host or "127.0.0.1:11434"
        return "this machine"


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """A bad value in the "llm" section: its key (for the line in pyproject.toml) and why."""

    key: str
    message: str

    def __str__(self) -> str:
        return self.message


def _get(section: Mapping[str, Any], *names: str) -> tuple[str, Any]:
    for name in names:
        if name in section:
            return name, section[name]
    return names[0], None


def load_config(
    section: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> tuple[LLMConfig, list[ConfigIssue]]:
    """The configuration and the problems found (each bad value falls back to its default)."""
    section = section if isinstance(section, Mapping) else {}
    env = os.environ if env is None else env
    problems: list[ConfigIssue] = []

    def bad(key: str, message: str) -> None:
        problems.append(ConfigIssue(key, f"llm.{key} {message}"))

    key, raw = _get(section, "provider")
    provider = env.get("CODIE_LLM_PROVIDER") or _text(key, raw, bad) or "offline"
    provider = provider.lower()
    if provider not in PROVIDERS:
        bad("provider", f"must be one of {', '.join(PROVIDERS)}, got {describe_value(provider)}")
        provider = "offline"
    model = env.get("CODIE_LLM_MODEL") or _text(*_get(section, "model"), bad) or DEFAULT_MODELS[provider]
    env_timeout = env.get("CODIE_LLM_TIMEOUT")
    key, raw = ("timeout", env_timeout) if env_timeout else _get(section, "timeout")
    timeout = _number(key, raw, DEFAULT_TIMEOUT, bad, low=0.001, high=MAX_TIMEOUT)
    retries = int(_number(*_get(section, "retries"), 2, bad, high=MAX_RETRIES, whole=True))
    temperature = _number(*_get(section, "temperature"), 0.0, bad, high=2.0)
    redact = _flag(*_get(section, "redact"), bad)
    verdicts = _flag(*_get(section, "verdicts"), bad)
    endpoint = _text(*_get(section, "endpoint"), bad)
    base_url = env.get("OPENAI_BASE_URL") or _text(*_get(section, "base-url", "base_url", "baseUrl"), bad)
    host = env.get("OLLAMA_HOST") or _text(*_get(section, "host"), bad)
    if endpoint and provider == "openai" and not base_url:
        base_url = endpoint
    elif endpoint and provider == "ollama" and not host:
        host = endpoint
    api_key = env.get("CODIE_LLM_API_KEY") or None
    if api_key is None and (base_url is None or base_url == env.get("OPENAI_BASE_URL")):
        api_key = env.get("OPENAI_API_KEY") or None  # never to a project-chosen endpoint
    return LLMConfig(
        provider=provider,
        model=model,
        base_url=base_url,
        host=host,
        api_key=api_key,
        timeout=timeout,
        retries=retries,
        temperature=temperature,
        redact=True if redact is None else redact,
        verdicts=(provider != "offline") if verdicts is None else verdicts,
    ), problems


Bad = Callable[[str, str], None]


def _text(key: str, value: Any, bad: Bad) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        bad(key, f"must be a string, got {describe_value(value)}")
        return None
    return value


def _flag(key: str, value: Any, bad: Bad) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    bad(key, f"must be true or false, got {describe_value(value)}")
    return None


def _number(
    key: str,
    value: Any,
    default: float,
    bad: Bad,
    low: float = 0.0,
    high: float = 1e9,
    whole: bool = False,
) -> float:
    if value is None:
        return default
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        bad(key, f"must be a number, got {describe_value(value)}")
        return default
    if not low <= number <= high or (whole and not number.is_integer()):
        kind = "a whole number" if whole else "a number"
        bad(key, f"must be {kind} between {low:g} and {high:g}, got {describe_value(value)}")
        return default
    return number
