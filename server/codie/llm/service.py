"""The LLM service: provider + redaction + offline fallback, for the server, CLI and jobs.

Every call that can reach a model redacts its prompt first and restores placeholders in
the answer. When the model fails the user still gets the offline answer, with a note.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codie.core.analyzer import Analyzer
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.rules import Catalogue
from codie.llm.base import Completion, LLMError, Message, Prompt, Provider
from codie.llm.config import LLMConfig
from codie.llm.context import ChatContext, FindingContext
from codie.llm.fixes import DiffError, Verification, apply_diff, extract_diff, verify_fix
from codie.llm.offline import OfflineProvider
from codie.llm.prompts import chat_prompt, explain_prompt, fix_prompt, verdict_prompt
from codie.llm.redact import Redactor
from codie.llm.verdict import verdict_from

log = logging.getLogger(__name__)


def make_provider(config: LLMConfig) -> Provider:
    if config.provider == "ollama":
        from codie.llm.ollama_provider import OllamaProvider

        return OllamaProvider(config)
    if config.provider == "openai":
        from codie.llm.openai_provider import OpenAIProvider

        return OpenAIProvider(config)
    return OfflineProvider()


@dataclass
class FixProposal:
    verification: Verification
    provider: str
    answer: str = ""

    @property
    def ok(self) -> bool:
        return self.verification.ok


@dataclass
class LLMService:
    config: LLMConfig = field(default_factory=LLMConfig)
    provider: Provider = field(default_factory=OfflineProvider)
    offline: OfflineProvider = field(default_factory=OfflineProvider)

    @classmethod
    def from_config(cls, config: LLMConfig) -> LLMService:
        return cls(config, make_provider(config))

    @property
    def name(self) -> str:
        return self.provider.name

    def _redacted(self, prompt: Prompt) -> tuple[Prompt, Redactor]:
        redactor = Redactor(enabled=self.config.redact and self.provider.name != "offline")
        contents = redactor.redact_many([m.content for m in prompt.messages])
        messages = tuple(Message(m.role, c) for m, c in zip(prompt.messages, contents, strict=True))
        return Prompt(messages, prompt.task, prompt.context, prompt.logprobs, prompt.max_tokens,
                      prompt.extra), redactor

    async def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        """The answer in pieces; on a model failure, the offline answer with a note."""
        safe, redactor = self._redacted(prompt)
        restorer = redactor.restorer()
        started = False
        try:
            async for piece in self.provider.stream(safe):
                if text := restorer.feed(piece):
                    started = True
                    yield text
            if rest := restorer.flush():
                yield rest
                started = True
            if not started:
                raise LLMError(f"{self.provider.name} returned an empty answer")
        except Exception as exc:  # LLMError, or a malformed answer the client choked on
            if not isinstance(exc, LLMError):
                log.exception("provider %s failed", self.provider.name)
                exc = LLMError(f"{self.provider.name} failed: {type(exc).__name__}")
            log.warning("%s", exc)
            if started:
                yield f"\n\n_(The answer was cut off: {exc})_"
                return
            yield f"_{exc}; offline answer:_\n\n"
            async for piece in self.offline.stream(prompt):
                yield piece

    async def complete(self, prompt: Prompt) -> Completion:
        safe, redactor = self._redacted(prompt)
        completion = await self.provider.complete(safe)
        return Completion(redactor.restore(completion.text), completion.logprobs,
                          completion.provider, completion.model)

    # tasks ----------------------------------------------------------------------------
    def chat(self, ctx: ChatContext) -> AsyncIterator[str]:
        return self.stream(chat_prompt(ctx))

    async def explain(self, fc: FindingContext) -> str:
        return "".join([piece async for piece in self.stream(explain_prompt(fc))])

    async def verdict(self, fc: FindingContext) -> float | None:
        """P(true positive) from the model's logprobs; None offline or without logprobs."""
        if self.provider.name == "offline":
            return None
        try:
            return verdict_from(await self.complete(verdict_prompt(fc)))
        except Exception as exc:  # no verdict is a fine answer; never break scoring
            log.warning("verdict failed: %s", exc)
            return None

    async def propose_fix(
        self,
        doc: Document,
        finding: Finding,
        fc: FindingContext,
        analyzers: Sequence[Analyzer],
        catalogue: Catalogue,
        settings: Settings | None = None,
        root: Path | None = None,
    ) -> FixProposal:
        """Ask for a diff, apply it to a copy and verify it (see llm/fixes.py).

        The offline provider proposes the rule's own fix, through the same checks."""
        prompt = fix_prompt(fc, doc.text)
        try:
            answer = (await self.complete(prompt)).text
        except Exception as exc:
            log.warning("fix proposal failed: %s; trying the offline fix", exc)
            answer = (await self.offline.complete(prompt)).text
        try:
            new_text = apply_diff(doc.text, extract_diff(answer))
        except DiffError as exc:
            return FixProposal(Verification(False, str(exc)), self.name, answer)
        verification = verify_fix(doc, finding, new_text, analyzers, catalogue, settings, root)
        return FixProposal(verification, self.name, answer)
