"""``alma serve-openai``: a minimal OpenAI-compatible chat-completions server over a local model.

The paper grades answers with GPT-4o through the OpenAI API; :class:`alma.evaluation.grader.Grader`
talks to any endpoint of that protocol. Where there is no GPT-4o (the small CPU config), the grader is
a local model behind this server, started and stopped by ``alma grade-llm --serve-model`` itself, so a
run needs no service set up beforehand, and grading goes through the very same HTTP client, cache,
retries, cost cap and price accounting as at paper scale (usage is counted with the model's tokenizer).

Why not vLLM's server here: ``vllm serve`` is the GPU path. It needs CUDA torch (a different torch
than the CPU stack pins), and its CPU build is a separate 3.5 GB environment pinned to an older
transformers with a 15 s engine start (docs: the project's CPU notes). On a GPU cluster, start
``vllm serve <model dir>`` and point ``grader.base_url`` at it (``grader.serve: null``). This server
generates through the project's own backend (:func:`alma.backends.open_backend`: transformers on a CPU,
vLLM's engine where that backend is selected), greedy at temperature 0, one request at a time.

Protocol subset: ``POST /v1/chat/completions`` (``messages``, ``max_tokens`` or
``max_completion_tokens``, ``temperature``, ``top_p``, ``seed``, ``stop``, ``logprobs``, ``top_logprobs``;
``n`` must be 1, no streaming), ``GET /v1/models`` and ``GET /health``.

``logprobs: true`` (what alpaca-eval's ``weighted_alpaca_eval_gpt4_turbo`` annotator sends, with
``top_logprobs: 5`` and ``max_tokens: 1``) answers in OpenAI's shape, ``choices[0].logprobs.content``:
one ``{token, logprob, bytes, top_logprobs}`` per generated token, from the model's own next-token
distribution (log-softmax of the logits, temperature 1) at that position. Such a reply is always greedy,
whatever ``temperature``/``top_p`` say (alpaca-eval sends ``temperature: 1``): an annotation must not
depend on a sampling draw, and the annotator reads only the log-probabilities anyway. A terminating
end-of-sequence token is listed too (not in the text), so even an empty reply carries its distribution.
Each generated token is one forward pass over the whole sequence (no KV cache): meant for short replies. It binds to 127.0.0.1 and, like ``vllm serve``
without ``--api-key``, accepts any API key; the key is never logged.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROLES = ("system", "user", "assistant")
MAX_TOP_LOGPROBS = 20  # OpenAI's limit


class RequestError(ValueError):
    """A request the server refuses, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class ChatRequest:
    """The fields of a chat-completions request this server honours."""

    messages: list[dict[str, str]]
    model: str
    max_tokens: int | None
    temperature: float
    top_p: float
    seed: int
    stop: list[str]
    logprobs: bool = False
    top_logprobs: int = 0


def _text(content: Any) -> str:
    """A message's text: a string, or OpenAI's list of ``{"type": "text", "text": ...}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return "".join(str(p.get("text", "")) for p in content)
    raise RequestError("message content must be a string or a list of text parts")


def parse_request(body: Any) -> ChatRequest:
    """Validate a chat-completions request body.

    Raises:
        RequestError: a missing or malformed field, or one this server does not support.
    """
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
        raise RequestError("'messages' must be a non-empty list")
    messages = []
    for message in body["messages"]:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise RequestError(f"every message needs a role among {', '.join(ROLES)}")
        messages.append({"role": message["role"], "content": _text(message.get("content", ""))})
    if body.get("n", 1) != 1 or body.get("stream"):
        raise RequestError("only n=1 without streaming is supported")
    stop = body.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise RequestError("'max_tokens' must be a positive integer")
    try:
        temperature, top_p = float(body.get("temperature", 1.0)), float(body.get("top_p", 1.0))
        seed = int(body.get("seed") or 0)
    except (TypeError, ValueError):
        raise RequestError("'temperature', 'top_p' and 'seed' must be numbers") from None
    logprobs, top_logprobs = _logprob_fields(body)
    return ChatRequest(messages, str(body.get("model", "")), max_tokens, temperature, top_p, seed, list(stop),
                       logprobs, top_logprobs)  # fmt: skip


def _logprob_fields(body: dict[str, Any]) -> tuple[bool, int]:
    """``logprobs`` and ``top_logprobs`` as OpenAI validates them (0 to 20 alternatives, only with logprobs)."""
    logprobs, top = body.get("logprobs") or False, body.get("top_logprobs")
    if not isinstance(logprobs, bool):
        raise RequestError("'logprobs' must be a boolean")
    if top is None:
        return logprobs, 0
    if not isinstance(top, int) or isinstance(top, bool) or not 0 <= top <= MAX_TOP_LOGPROBS:
        raise RequestError(f"'top_logprobs' must be an integer from 0 to {MAX_TOP_LOGPROBS}")
    if top and not logprobs:
        raise RequestError("'logprobs' must be true when 'top_logprobs' is used")
    return logprobs, top


def token_entry(tokenizer: Any, token_id: int, logprob: float) -> dict[str, Any]:
    """One token as OpenAI lists it: its text, log-probability and UTF-8 bytes."""
    text = tokenizer.decode([token_id])
    return {"token": text, "logprob": logprob, "bytes": list(text.encode("utf-8"))}


def position_logprobs(tokenizer: Any, row: Any, chosen: int, top: int) -> dict[str, Any]:
    """OpenAI's logprobs entry of one position: the chosen token and the ``top`` likeliest, most likely first.

    ``row`` is the position's log-softmax over the vocabulary; ties rank by token id (a stable sort).
    """
    import numpy as np

    best = np.argsort(-row, kind="stable")[:top]
    entry = token_entry(tokenizer, chosen, float(row[chosen]))
    entry["top_logprobs"] = [token_entry(tokenizer, int(i), float(row[i])) for i in best]
    return entry


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """The text before the first stop string (excluded, as OpenAI does) and whether one was found."""
    cuts = [i for i in (text.find(s) for s in stop if s) if i != -1]
    return (text[: min(cuts)], True) if cuts else (text, False)


class ChatModel:
    """One local model answering chat requests through the project's generation backend (serialized)."""

    def __init__(self, model_dir: str | Path, name: str | None = None):
        from alma.backends import open_backend
        from alma.model_sources import model_max_length

        self.model_dir = Path(model_dir)
        self.name = name or self.model_dir.name
        self.backend = open_backend(self.model_dir, batch_size=1)
        self.tokenizer = self.backend.tokenizer
        self.max_length = getattr(self.backend, "max_length", None) or model_max_length(self.model_dir)
        self._lock = threading.Lock()  # one model: requests take turns

    def render(self, messages: list[dict[str, str]]) -> str:
        """The conversation in the model's chat template, ready for the assistant's turn.

        Templates that reject a system turn (some do) get it prepended to the first user message.
        """
        try:
            return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except Exception:  # jinja raises its own TemplateError subclasses from the template's raise_exception
            system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
            rest = [dict(m) for m in messages if m["role"] != "system"]
            if not system or not rest or rest[0]["role"] != "user":
                raise
            rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
            return self.tokenizer.apply_chat_template(rest, add_generation_prompt=True, tokenize=False)

    def complete(self, request: ChatRequest) -> dict[str, Any]:
        """Answer one request: the text, token counts (by the model's tokenizer) and the finish reason."""
        from alma.backends.hf import encode_texts
        from alma.config import SamplingParams

        try:
            text = self.render(request.messages)
        except Exception as exc:
            raise RequestError(f"the chat template rejected the messages: {exc}") from None
        prompt_tokens = len(encode_texts(self.tokenizer, [text])[0])
        room = self.max_length - prompt_tokens
        if room < 1:
            raise RequestError(f"this model's maximum context length is {self.max_length} tokens; the messages "
                               f"take {prompt_tokens}")  # fmt: skip
        max_new = min(request.max_tokens or room, room)
        content = None
        if request.logprobs:
            prompt_ids = encode_texts(self.tokenizer, [text])[0]
            with self._lock:
                reply, content = self.greedy_scored(prompt_ids, max_new, request.stop, request.top_logprobs)
        else:
            params = SamplingParams(temperature=request.temperature, top_p=request.top_p, max_new_tokens=max_new,
                                    n=1, seed=request.seed)  # fmt: skip
            with self._lock:
                reply = self.backend.generate([text], params, stop=request.stop)[0][0]
        reply, stopped = cut_at_stop(reply, request.stop)
        completion_tokens = len(self.tokenizer(reply, add_special_tokens=False).input_ids)
        finish = "length" if not stopped and completion_tokens >= max_new else "stop"
        return {"text": reply, "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "finish_reason": finish, "logprobs": content}  # fmt: skip

    def eos_ids(self) -> set[int]:
        """Token ids that end a reply: the tokenizer's end of sequence and the generation config's."""
        ids: list[Any] = [self.tokenizer.eos_token_id]
        config = getattr(getattr(self.backend, "model", None), "generation_config", None)
        extra = getattr(config, "eos_token_id", None)
        ids += extra if isinstance(extra, list) else [extra]
        return {int(i) for i in ids if i is not None}

    def greedy_scored(
        self, prompt_ids: Sequence[int], max_new: int, stop: Sequence[str], top: int
    ) -> tuple[str, list[dict[str, Any]]]:
        """Greedy decoding that lists every position's log-probabilities (OpenAI's ``logprobs.content``).

        One forward pass per token through the backend's ``next_token_logprobs``, which both backends have.
        """
        import numpy as np

        generated: list[int] = []
        content: list[dict[str, Any]] = []
        eos = self.eos_ids()
        for _ in range(max_new):
            row = self.backend.next_token_logprobs([[*prompt_ids, *generated]])[0]
            chosen = int(np.argmax(row))
            content.append(position_logprobs(self.tokenizer, row, chosen, top))
            if chosen in eos:
                break
            generated.append(chosen)
            if stop and cut_at_stop(self.tokenizer.decode(generated, skip_special_tokens=True), stop)[1]:
                break
        return self.tokenizer.decode(generated, skip_special_tokens=True), content


def completion_json(model: str, result: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI ``chat.completion`` object."""
    usage = {"prompt_tokens": result["prompt_tokens"], "completion_tokens": result["completion_tokens"],
             "total_tokens": result["prompt_tokens"] + result["completion_tokens"]}  # fmt: skip
    logprobs = None if result.get("logprobs") is None else {"content": result["logprobs"], "refusal": None}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
        "model": model, "usage": usage,
        "choices": [{"index": 0, "finish_reason": result["finish_reason"], "logprobs": logprobs,
                     "message": {"role": "assistant", "content": result["text"]}}],
    }  # fmt: skip


def error_json(message: str, status: int) -> dict[str, Any]:
    """An OpenAI-shaped error body."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def make_handler(chat: ChatModel) -> type[BaseHTTPRequestHandler]:
    """The request handler class serving ``chat``."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path.rstrip("/") == "/health":
                self._send(200, {"status": "ok"})
            elif self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": chat.name, "object": "model", "created": 0,
                                                             "owned_by": "alma"}]})  # fmt: skip
            else:
                self._send(404, error_json(f"no route {self.path}", 404))

        def do_POST(self):  # noqa: N802
            started = time.monotonic()
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, error_json(f"no route {self.path}", 404))
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                request = parse_request(body)
                result = chat.complete(request)
            except json.JSONDecodeError:
                self._send(400, error_json("the request body is not JSON", 400))
            except RequestError as exc:
                self._send(exc.status, error_json(str(exc), exc.status))
            except Exception as exc:  # a server must answer, not die: the client retries 5xx
                log.exception("chat completion failed")
                self._send(500, error_json(f"{type(exc).__name__}: {str(exc)[:300]}", 500))
            else:
                self._send(200, completion_json(request.model or chat.name, result))
                log.debug("chat completion: %d prompt + %d completion tokens in %.1f s", result["prompt_tokens"],
                          result["completion_tokens"], time.monotonic() - started)  # fmt: skip

        def log_message(self, format, *args):  # noqa: A002 (http.server's signature); never logs headers
            log.debug("%s %s", self.address_string(), format % args)

    return Handler


def _watch_parent(parent_pid: int, httpd: ThreadingHTTPServer) -> None:
    """Stop serving once the process that started this server is gone (even if it was killed -9)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    log.warning("parent process %d is gone; stopping", parent_pid)
    httpd.shutdown()


def serve(model_dir: str | Path, port: int = 0, ready_file: str | Path | None = None,
          parent_pid: int | None = None, name: str | None = None, host: str = "127.0.0.1") -> None:  # fmt: skip
    """Load the model, listen, announce readiness in ``ready_file`` (``{"port", "pid"}``), serve until stopped.

    Args:
        model_dir: a local Hugging Face model directory with a chat template.
        port: TCP port; 0 picks a free one (written to ``ready_file``).
        ready_file: JSON written (atomically) once the model is loaded and the socket listens.
        parent_pid: stop when this process is no longer the parent.
        name: the model name in ``/v1/models`` (default: the directory's name).
        host: interface to bind; loopback unless there is a reason.
    """
    chat = ChatModel(model_dir, name)  # loaded before listening: ready means it answers
    httpd = ThreadingHTTPServer((host, port), make_handler(chat))
    httpd.daemon_threads = True
    bound = httpd.server_address[1]
    if parent_pid:
        threading.Thread(target=_watch_parent, args=(parent_pid, httpd), daemon=True).start()
    if ready_file:
        ready = Path(ready_file)
        partial = ready.with_suffix(".partial")
        partial.write_text(json.dumps({"port": bound, "pid": os.getpid()}), encoding="utf-8")
        os.replace(partial, ready)
    log.info("serving %s at http://%s:%d/v1 (context %d tokens)", model_dir, host, bound, chat.max_length)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
