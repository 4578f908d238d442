"""The LLM service: provider + redaction + deadline + offline fallback, for the server, CLI
and jobs.

Every call that can reach a model redacts its prompt first and restores placeholders in
the answer. One deadline (llm.timeout, default 30 s) holds each request, the provider's
retries included: the answer must start within it, and a stream that then stalls for as
long is cut off. When the model fails the user still gets the offline answer, and the
LLMRequest says honestly what answered and why ("offline explainer (openai unreachable:
timeout after 30 s)"). No failure of a model, however malformed its answer, escapes as an
exception from stream(); complete() raises LLMError only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codie.core.analyzer import Analyzer
from codie.core.config import Settings
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.llm_config import LLMConfig
from codie.core.rules import Catalogue
from codie.llm.base import Completion, LLMError, Message, Prompt, Provider
from codie.llm.context import ChatContext, FindingContext
from codie.llm.fixes import DiffError, Verification, apply_diff, extract_diff, verify_fix
from codie.llm.offline import OFFLINE_NOTE, OfflineProvider
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
class LLMRequest:
    """One user request to the service (one chat message, one "explain", one fix): its
    deadline, its progress messages and who answered it.

    The deadline is set by the first call and shared by the others, so explaining five
    findings still ends within one deadline. `on_progress` gets short lines ("asking
    openai (gpt-4o-mini) at ...; deadline 30 s", "receiving the answer", the final label)
    for the editor's progress bar or the CLI's stderr; it must not block. `label` says what
    answered, never the configured provider when the offline explainer stood in for it.
    """

    on_progress: Callable[[str], None] | None = None
    configured: str = ""  # the provider asked
    provider: str = ""  # what answered the last call: offline | ollama | openai
    model: str = ""
    fallback: str | None = None  # why the configured provider did not answer
    cut_off: str | None = None  # why an answer that had started stopped early
    until: float | None = None  # the deadline, in event-loop time
    started: float = field(default_factory=time.monotonic)
    labels: list[str] = field(default_factory=list)  # one per answer, in order

    def report(self, message: str) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(message)
            except Exception:  # a progress display must never break the answer
                log.debug("progress callback failed", exc_info=True)

    def answered(self, provider: str, model: str, fallback: str | None = None, cut_off: str | None = None) -> None:
        self.provider, self.model, self.fallback, self.cut_off = provider, model, fallback, cut_off
        self.labels.append(self._label())

    def _label(self) -> str:
        if not self.provider:
            return "no answer"
        if self.provider == "offline":
            if self.fallback:
                return f"offline explainer ({self.configured} {self.fallback})"
            return "offline explainer"
        text = f"{self.provider} ({self.model})" if self.model else self.provider
        return f"{text}, cut off: {self.cut_off}" if self.cut_off else text

    @property
    def label(self) -> str:
        """What answered (each distinct answerer once, in order)."""
        return "; ".join(dict.fromkeys(self.labels)) or self._label()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class FixProposal:
    verification: Verification
    provider: str  # what answered (offline when the model failed)
    answer: str = ""
    label: str = ""  # LLMRequest.label: what answered, and why the offline one if so

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

    @property
    def deadline(self) -> float:
        return self.config.timeout

    def _redacted(self, prompt: Prompt) -> tuple[Prompt, Redactor]:
        redactor = Redactor(enabled=self.config.redact and self.provider.name != "offline")
        contents = redactor.redact_many([m.content for m in prompt.messages])
        messages = tuple(Message(m.role, c) for m, c in zip(prompt.messages, contents, strict=True))
        return Prompt(messages, prompt.task, prompt.context, prompt.logprobs, prompt.max_tokens, prompt.extra), redactor

    def _asking(self, request: LLMRequest) -> float:
        """Start (or continue) the request: its deadline, in event-loop time."""
        request.configured = self.provider.name
        if request.until is None:
            request.until = asyncio.get_running_loop().time() + self.deadline
            request.report(
                f"asking {self.provider.name} ({self.provider.model}) at "
                f"{self.config.endpoint}; deadline {self.deadline:g} s"
            )
        return request.until

    def _reason(self, exc: BaseException, started: bool) -> str:
        """The short why of a failure, for labels and notes; logged on one line."""
        if isinstance(exc, TimeoutError):
            reason = (
                f"stalled: no data for {self.deadline:g} s"
                if started
                else f"unreachable: timeout after {self.deadline:g} s"
            )
        elif isinstance(exc, LLMError):
            reason = exc.reason
        else:  # a provider let something else through: still one line, never a traceback
            reason = f"failed: malformed answer ({type(exc).__name__})"
        # every adapter shows the outcome (LLMRequest.label); the log keeps one line, and
        # the traceback only at debug level
        log.info("%s %s", self.provider.name, reason)
        log.debug("%s failure", self.provider.name, exc_info=exc)
        return reason

    async def stream(self, prompt: Prompt, request: LLMRequest | None = None) -> AsyncIterator[str]:
        """The answer in pieces; on a model failure, the offline answer with a note."""
        request = request or LLMRequest()
        if self.provider.name == "offline":
            request.configured = "offline"
            async for piece in self.offline.stream(prompt):
                yield piece
            request.answered("offline", "offline")
            return
        until = self._asking(request)
        safe, redactor = self._redacted(prompt)
        restorer = redactor.restorer()
        loop = asyncio.get_running_loop()
        pieces = self.provider.stream(safe)
        started = False
        try:
            while True:
                # until the answer starts: what is left of the one deadline (connecting,
                # retries and their back-off included); then: the longest silence allowed
                budget = self.deadline if started else until - loop.time()
                if budget <= 0:  # spent by earlier calls of the same request: do not ask
                    raise TimeoutError
                try:
                    async with asyncio.timeout(budget):
                        piece = await anext(pieces)
                except StopAsyncIteration:
                    break
                if text := restorer.feed(piece):
                    if not started:
                        request.report(f"receiving the answer from {self.provider.name}")
                    started = True
                    yield text
            if rest := restorer.flush():
                started = True
                yield rest
            if not started:
                raise LLMError(f"{self.provider.name} returned an empty answer", "failed: an empty answer")
            request.answered(self.provider.name, self.provider.model)
        except Exception as exc:  # TimeoutError, LLMError, or anything a provider let through
            reason = self._reason(exc, started)
            if started:
                request.answered(self.provider.name, self.provider.model, cut_off=reason)
                yield f"\n\n_(The answer was cut off: {self.provider.name} {reason}.)_"
                return
            request.answered("offline", "offline", fallback=reason)
            note = f"_Offline answer: {self.provider.name} {reason}._"
            yield f"{note}\n\n"
            offline = dataclasses.replace(prompt, extra={**prompt.extra, OFFLINE_NOTE: note})
            async for piece in self.offline.stream(offline):
                yield piece
        finally:
            aclose = getattr(pieces, "aclose", None)
            if aclose is not None:
                await aclose()  # closes the HTTP stream (a no-op when it ended)

    async def complete(self, prompt: Prompt, request: LLMRequest | None = None) -> Completion:
        """One whole answer within the deadline; every failure is an LLMError."""
        request = request or LLMRequest()
        if self.provider.name == "offline":
            request.configured = "offline"
            request.answered("offline", "offline")
            return await self.offline.complete(prompt)
        until = self._asking(request)
        safe, redactor = self._redacted(prompt)
        try:
            async with asyncio.timeout_at(until):
                completion = await self.provider.complete(safe)
        except Exception as exc:
            reason = request.fallback = self._reason(exc, False)
            raise LLMError(f"{self.provider.name} {reason}", reason) from None
        request.answered(self.provider.name, completion.model or self.provider.model)
        return Completion(redactor.restore(completion.text), completion.logprobs, completion.provider, completion.model)

    # tasks ----------------------------------------------------------------------------
    def chat(self, ctx: ChatContext, request: LLMRequest | None = None) -> AsyncIterator[str]:
        return self.stream(chat_prompt(ctx), request)

    async def explain(self, fc: FindingContext, request: LLMRequest | None = None) -> str:
        return "".join([piece async for piece in self.stream(explain_prompt(fc), request)])

    async def verdict(self, fc: FindingContext, request: LLMRequest | None = None) -> float | None:
        """P(true positive) from the model's logprobs; None offline, without logprobs, or
        when the model failed (then `request.fallback` says why)."""
        if self.provider.name == "offline":
            return None
        try:
            return verdict_from(await self.complete(verdict_prompt(fc), request))
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
        request: LLMRequest | None = None,
        run_tests: bool = True,
    ) -> FixProposal:
        """Ask for a diff, apply it to a copy and verify it (see llm/fixes.py), in a thread
        (two analyses of the file, and its related tests unless `run_tests` is False).

        The offline provider proposes the rule's own fix, through the same checks."""
        request = request or LLMRequest()
        prompt = fix_prompt(fc, doc.text)
        try:
            answer = (await self.complete(prompt, request)).text
        except LLMError as exc:
            request.answered("offline", "offline", fallback=exc.reason)
            answer = (await self.offline.complete(prompt)).text
        provider, label = request.provider, request.label
        try:
            new_text = apply_diff(doc.text, extract_diff(answer))
        except DiffError as exc:
            return FixProposal(Verification(False, str(exc)), provider, answer, label)
        verification = await asyncio.to_thread(
            verify_fix, doc, finding, new_text, analyzers, catalogue, settings, root, run_tests
        )
        return FixProposal(verification, provider, answer, label)
