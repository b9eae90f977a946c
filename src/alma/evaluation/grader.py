"""0-10 single-answer grading (MT-Bench style) through any OpenAI-compatible chat endpoint.

The paper grades every evaluation answer with GPT-4o on a 0-10 scale. The same code talks to the
OpenAI API, to a local vLLM server (``vllm serve ... --api-key``) or to a model the grading job
serves itself (``alma grade-llm --serve-model``, :mod:`alma.evaluation.local_server`): only
``base_url`` and ``model`` change. The grading template is our own wording of MT-Bench's single-answer prompt, moved
to 0-10; it is versioned and hashed (:data:`TEMPLATE_HASH`) so result files can refuse to mix
grades made under different templates.

A follow-up turn (MT-Bench's second question) is graded with a second versioned template,
:data:`MULTI_TURN_TEMPLATE`, which shows the whole conversation and rates the last answer only.

Every completed grading is appended to a JSON Lines cache keyed by sha256(model, template hash,
prompt, answer; earlier turns for a follow-up): a rerun makes zero calls, and a run stopped by the cost cap resumes where it
stopped. The API key is read from the environment only when a call is needed, and it is never
written to the cache, a result or a log message (errors name the environment variable instead).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from alma.records import sha256_text

log = logging.getLogger(__name__)

TEMPLATE_VERSION = "alma-single-0to10-v1"
SYSTEM_PROMPT = "You are a careful, impartial evaluator of answers written by AI assistants."
USER_TEMPLATE = (
    "Judge the quality of the AI assistant's answer to the user's question below. Weigh how helpful, relevant, "
    "accurate and deep the answer is, how creative where creativity fits, and how appropriately detailed. Do not "
    "let the answer's length or style sway you, and be as objective as you can. First explain your assessment in "
    "a few sentences. Then give a rating from 0 (useless) through 5 (average) to 10 (outstanding), written "
    'exactly in double square brackets on the last line, for example "Rating: [[6]]".\n\n'
    "[User question]\n{question}\n\n[Start of the assistant's answer]\n{answer}\n[End of the assistant's answer]"
)
TEMPLATE_HASH = sha256_text(json.dumps([TEMPLATE_VERSION, SYSTEM_PROMPT, USER_TEMPLATE]))
"""sha256 of the version, system prompt and user template: recorded in every grade file's protocol."""

# MT-Bench's multi-turn single-answer grading, in our words: the grader sees the whole conversation
# and grades only the assistant's last answer (a follow-up builds on the earlier turns).
MULTI_TURN_VERSION = "alma-multi-turn-0to10-v1"
MULTI_TURN_TEMPLATE = (
    "Below is a conversation between a user and an AI assistant. Judge the quality of the assistant's answer to "
    "the user's LAST question only; read the earlier turns as context for it. Weigh how helpful, relevant, "
    "accurate and deep that answer is, how creative where creativity fits, how appropriately detailed, and how "
    "well it follows up on the conversation. Do not let the answer's length or style sway you, and be as objective "
    "as you can. First explain your assessment in a few sentences. Then give a rating from 0 (useless) through 5 "
    "(average) to 10 (outstanding), written exactly in double square brackets on the last line, for example "
    '"Rating: [[6]]".\n\n{context}[User question {turn}]\n{question}\n\n'
    "[Start of the assistant's answer to question {turn}]\n{answer}\n[End of the assistant's answer to question {turn}]"
)
CONTEXT_TURN = "[User question {turn}]\n{question}\n\n[Assistant's answer to question {turn}]\n{answer}\n\n"
MULTI_TURN_HASH = sha256_text(json.dumps([MULTI_TURN_VERSION, SYSTEM_PROMPT, MULTI_TURN_TEMPLATE, CONTEXT_TURN]))
"""sha256 of the follow-up-turn template: keys the cache of follow-up gradings."""

Context = Sequence[tuple[str, str]]
"""Earlier (question, answer) turns of a conversation; empty for a first turn."""


def grading_messages(prompt: str, answer: str, context: Context = ()) -> list[dict[str, str]]:
    """The chat messages that grade one answer: the single-answer template, or with ``context`` the multi-turn one."""
    if not context:
        user = USER_TEMPLATE.format(question=prompt, answer=answer)
    else:
        earlier = "".join(CONTEXT_TURN.format(turn=k + 1, question=q, answer=a) for k, (q, a) in enumerate(context))
        user = MULTI_TURN_TEMPLATE.format(context=earlier, turn=len(context) + 1, question=prompt, answer=answer)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")
_RATING_LOOSE = re.compile(r"\[\s*(\d+(?:\.\d+)?)\s*\]")
# "Rating: 6" or "[Rating: 6]": the template's own label without the brackets; small graders write it.
_RATING_LABEL = re.compile(r"Rating:\s*\[{0,2}\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


class GraderError(RuntimeError):
    """The grading endpoint failed in a way retries cannot fix (auth, bad request, persistent 5xx)."""


class EndpointUnreachable(GraderError):
    """The endpoint could not be reached after all retries."""


class CostCapExceeded(GraderError):
    """The next call would take the spend past ``cost_cap_usd``; graded items are already cached."""


def parse_rating(reply: str) -> float | None:
    """The 0-10 rating of a grader reply, or None when it has none.

    Args:
        reply: the grader's text.

    Returns:
        The LAST ``[[x]]`` (the verdict follows the explanation; an earlier one may be quoted), falling
        back to the last ``[x]``; None when absent or outside 0-10.
    """
    for pattern in (_RATING, _RATING_LOOSE, _RATING_LABEL):
        found = pattern.findall(reply or "")
        if found:
            value = float(found[-1])
            return value if 0.0 <= value <= 10.0 else None
    return None


def cache_key(model: str, prompt: str, answer: str, context: Context = ()) -> str:
    """sha256 identifying one grading: grader model, template, prompt and answer (and earlier turns, if any)."""
    if not context:
        return sha256_text(json.dumps([model, TEMPLATE_HASH, prompt, answer]))
    return sha256_text(json.dumps([model, MULTI_TURN_HASH, [list(t) for t in context], prompt, answer]))


class Grader:
    """Grades (prompt, answer) pairs 0-10 through an OpenAI-compatible ``/chat/completions`` endpoint.

    Counters (cumulative over :meth:`grade` calls): ``calls`` (HTTP completions made, retries
    included), ``cache_hits``, ``missing`` (returned ratings that are None: no parsable rating even after
    the retries, fresh or from the cache) and ``cost_usd`` (of the calls made by this object).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str | None = "OPENAI_API_KEY",
        cache_path: str | Path | None = None,
        max_retries: int = 3,
        cost_cap_usd: float | None = None,
        price_per_1k_in: float = 0.0,
        price_per_1k_out: float = 0.0,
        timeout: float = 120.0,
        max_tokens: int = 512,
        backoff_s: float = 2.0,
        workers: int = 1,
    ):
        """Set up a grader; nothing is contacted until a cache miss needs a call.

        Args:
            base_url: endpoint root, e.g. ``https://api.openai.com/v1`` or ``http://node12:8000/v1``.
            model: grader model name, e.g. ``gpt-4o-2024-08-06``.
            api_key_env: environment variable holding the key; None for a keyless local server.
            cache_path: JSON Lines cache of completed gradings (None: no cache).
            max_retries: extra attempts for transient errors (429, 5xx, connection) and for replies
                without a parsable rating.
            cost_cap_usd: stop before a call that would take the spend past this (None: no cap).
            price_per_1k_in: USD per 1,000 prompt tokens.
            price_per_1k_out: USD per 1,000 completion tokens.
            timeout: seconds per HTTP request.
            max_tokens: completion limit of one grading (room for the short explanation).
            backoff_s: first backoff delay; doubles per retry, capped at 60 s.
            workers: concurrent requests.
        """
        self.base_url, self.model, self.api_key_env = base_url, model, api_key_env
        self.cache_path = Path(cache_path) if cache_path else None
        self.max_retries, self.cost_cap_usd, self.timeout = max_retries, cost_cap_usd, timeout
        self.price_in, self.price_out = price_per_1k_in, price_per_1k_out
        self.max_tokens, self.backoff_s, self.workers = max_tokens, backoff_s, max(1, workers)
        self.calls = self.cache_hits = self.missing = 0
        self.cost_usd = 0.0
        self._reserved = 0.0  # estimated cost of calls in flight (the cap must hold with concurrency too)
        self._done = self._total = 0
        self._lock = threading.Lock()
        self._client = None
        self._cache: dict[str, dict[str, Any]] = self._load_cache()

    # -- cache ------------------------------------------------------------------------------------------------------

    def _load_cache(self) -> dict[str, dict[str, Any]]:
        if self.cache_path is None or not self.cache_path.exists():
            return {}
        entries: dict[str, dict[str, Any]] = {}
        lines = self.cache_path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                entries[entry["key"]] = entry
            except (json.JSONDecodeError, KeyError, TypeError):
                # A job killed mid-append leaves a torn last line; that grading is simply redone.
                log.warning("%s, line %d: unreadable cache entry skipped", self.cache_path, number)
        return entries

    def _store(self, entry: dict[str, Any]) -> None:
        """Append one grading to the cache (one line, flushed and fsynced: a kill loses at most this line)."""
        self._cache[entry["key"]] = entry
        self._done += 1
        if self.cache_path is None:
            return
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.cache_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    # -- calls ------------------------------------------------------------------------------------------------------

    def _key_hint(self) -> str:
        return f"the API key is read from ${self.api_key_env}" if self.api_key_env else "no API key is sent"

    def _scrub(self, text: str) -> str:
        """Remove the key from a server message (some servers echo what they were sent)."""
        key = os.environ.get(self.api_key_env or "", "")
        return text.replace(key, "***") if key else text

    def _get_client(self):
        if self._client is None:
            from openai import OpenAI

            key = "EMPTY"  # vLLM's convention for a server started without --api-key
            if self.api_key_env:
                key = os.environ.get(self.api_key_env, "")
                if not key:
                    raise GraderError(f"grading endpoint {self.base_url}: environment variable ${self.api_key_env} "
                                      "is not set (it must hold the API key)")  # fmt: skip
            # Retries are ours (counted, with the cost cap checked before each); the client must not add more.
            self._client = OpenAI(base_url=self.base_url, api_key=key, max_retries=0, timeout=self.timeout)
        return self._client

    def _estimate(self, messages: list[dict[str, str]]) -> float:
        """Upper-ish cost of one call: ~4 characters per prompt token, a full completion."""
        tokens_in = sum(len(m["content"]) for m in messages) / 4
        return (tokens_in * self.price_in + self.max_tokens * self.price_out) / 1000

    def _reserve(self, estimate: float) -> None:
        with self._lock:
            if self.cost_cap_usd is not None and self.cost_usd + self._reserved + estimate > self.cost_cap_usd:
                raise CostCapExceeded(
                    f"grading with {self.model} at {self.base_url} stopped: the next call (~{estimate:.4f} USD) would "
                    f"exceed the cost cap of {self.cost_cap_usd:.4f} USD ({self.cost_usd:.4f} spent, {self._done}/{self._total} "
                    f"answers graded and cached in {self.cache_path}); raise cost_cap_usd and rerun to continue"
                )
            self._reserved += estimate

    def _complete(self, messages: list[dict[str, str]]):
        """One chat completion, with exponential backoff on 429, 5xx and connection errors."""
        import openai

        client = self._get_client()
        for attempt in range(self.max_retries + 1):
            with self._lock:
                self.calls += 1
            try:
                return client.chat.completions.create(
                    model=self.model, messages=messages, temperature=0.0, max_tokens=self.max_tokens
                )
            except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
                if attempt == self.max_retries:
                    if isinstance(exc, openai.APIConnectionError):
                        raise EndpointUnreachable(
                            f"cannot reach the grading endpoint {self.base_url} (model {self.model}) after "
                            f"{attempt + 1} attempts ({type(exc).__name__}); check the URL, the network and that "
                            f"{self._key_hint()}"
                        ) from None
                    raise GraderError(f"grading endpoint {self.base_url} kept failing with HTTP {exc.status_code} "
                                      f"after {attempt + 1} attempts") from None  # fmt: skip
                delay = min(60.0, self.backoff_s * 2**attempt)
                log.warning("grading endpoint %s: %s; retrying in %.1f s", self.base_url, type(exc).__name__, delay)
                time.sleep(delay)
            except openai.APIStatusError as exc:
                hint = f"; {self._key_hint()}" if exc.status_code in (401, 403) else ""
                detail = "" if hint else f": {self._scrub(str(exc.message))[:300]}"
                raise GraderError(f"grading endpoint {self.base_url} (model {self.model}) answered HTTP "
                                  f"{exc.status_code}{detail}{hint}") from None  # fmt: skip
        raise AssertionError("unreachable")

    def _grade_one(self, key: str, prompt: str, answer: str, context: Context = ()) -> float | None:
        """Grade one pair, retrying replies without a rating; cache and return the rating (None if none)."""
        messages = grading_messages(prompt, answer, context)
        reply, rating, attempts = "", None, 0
        usage_in = usage_out = 0
        while attempts <= self.max_retries:
            estimate = self._estimate(messages)
            self._reserve(estimate)
            attempts += 1
            try:
                response = self._complete(messages)
            finally:
                with self._lock:
                    self._reserved -= estimate
            reply = (response.choices[0].message.content or "") if response.choices else ""
            usage = response.usage
            call_in = usage.prompt_tokens if usage else sum(len(m["content"]) for m in messages) // 4
            call_out = usage.completion_tokens if usage else len(reply) // 4
            usage_in, usage_out = usage_in + call_in, usage_out + call_out
            with self._lock:
                self.cost_usd += (call_in * self.price_in + call_out * self.price_out) / 1000
            rating = parse_rating(reply)
            if rating is not None:
                break
            log.debug("grader reply without a [[rating]] (attempt %d)", attempts)
        with self._lock:
            template_hash = MULTI_TURN_HASH if context else TEMPLATE_HASH
            self._store({"key": key, "model": self.model, "template_hash": template_hash, "rating": rating,
                         "reply": reply, "attempts": attempts,
                         "usage": {"prompt_tokens": usage_in, "completion_tokens": usage_out}})  # fmt: skip
        return rating

    def grade(
        self, prompts: Sequence[str], answers: Sequence[str], contexts: Sequence[Context] | None = None
    ) -> list[float | None]:
        """Grade answers 0-10.

        Args:
            prompts: user questions.
            answers: answers aligned with ``prompts``.
            contexts: earlier (question, answer) turns of each pair's conversation; a pair with any is graded
                with the multi-turn template (default: none, every pair is a first turn).

        Returns:
            One rating per pair (None where the grader never gave a parsable rating).

        Raises:
            CostCapExceeded: the cap would be passed; everything graded so far is cached.
            EndpointUnreachable: the endpoint cannot be reached (names the URL and the key's variable).
            GraderError: any other persistent endpoint failure.
        """
        if len(prompts) != len(answers):
            raise ValueError(f"{len(prompts)} prompts but {len(answers)} answers")
        contexts = contexts if contexts is not None else [()] * len(prompts)
        keys = [cache_key(self.model, p, a, c) for p, a, c in zip(prompts, answers, contexts, strict=True)]
        todo: dict[str, tuple[str, str, Context]] = {}
        for key, prompt, answer, context in zip(keys, prompts, answers, contexts, strict=True):
            if key in self._cache:
                self.cache_hits += 1
            elif key not in todo:  # identical pairs are graded once
                todo[key] = (prompt, answer, context)
        self._done, self._total = len(keys) - len(todo), len(keys)  # progress, for the cost-cap message
        if todo:
            log.info("grading %d answers with %s (%d cached)", len(todo), self.model, self._done)
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                futures = [pool.submit(self._grade_one, key, p, a, c) for key, (p, a, c) in todo.items()]
                finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = [f for f in finished if f.exception() is not None]
                if failed:
                    for future in futures:
                        future.cancel()  # stop promptly: later calls would hit the same cap or outage
                    raise failed[0].exception()
        # Ratings are re-read from the cached replies, so a parser fix reaches replies already paid for.
        ratings = [parse_rating(self._cache[key].get("reply", "")) if "reply" in self._cache[key]
                   else self._cache[key]["rating"] for key in keys]  # fmt: skip
        self.missing += sum(r is None for r in ratings)
        return ratings

    def counters(self) -> dict[str, Any]:
        """``calls``, ``cache_hits``, ``missing`` and ``cost_usd`` so far."""
        return {"calls": self.calls, "cache_hits": self.cache_hits, "missing": self.missing,
                "cost_usd": round(self.cost_usd, 6)}  # fmt: skip
