"""The LLM grader against a real local model: `alma serve-openai`, started and stopped by `alma grade-llm`.

The server runs the tiny random model (its ratings are mostly unparsable, which is fine: the point is
the protocol, the token accounting, the cache and the server's lifetime, not the grades).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from alma.evaluation.grader import TEMPLATE_HASH
from alma.evaluation.local_endpoint import ServerStartError, _wait_ready
from alma.records import read_json, write_jsonl

SECRET = "sk-test-DO-NOT-LEAK-51b7e2"


def post(url: str, body: dict, key: str = "anything") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tiny_model_dir):
    """The server's handler over the tiny model, on a free loopback port, in this process."""
    from http.server import ThreadingHTTPServer

    from alma.evaluation.local_server import ChatModel, make_handler

    chat = ChatModel(tiny_model_dir, name="tiny")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(chat))
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", chat
    httpd.shutdown()
    httpd.server_close()


def test_chat_completion_is_openai_shaped_with_tokenizer_usage(server):
    from alma.backends.hf import encode_texts

    url, chat = server
    messages = [{"role": "system", "content": "You grade answers."}, {"role": "user", "content": "What is 2 plus 3?"}]
    status, body = post(f"{url}/v1/chat/completions", {"model": "judge", "messages": messages, "temperature": 0,
                                                       "max_tokens": 12})  # fmt: skip
    assert status == 200 and body["object"] == "chat.completion" and body["model"] == "judge"
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant" and isinstance(choice["message"]["content"], str)
    assert choice["finish_reason"] in ("stop", "length")
    usage, text = body["usage"], choice["message"]["content"]
    prompt = chat.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert usage["prompt_tokens"] == len(encode_texts(chat.tokenizer, [prompt])[0])
    assert usage["completion_tokens"] == len(chat.tokenizer(text, add_special_tokens=False).input_ids) <= 12
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    # Greedy at temperature 0: the same request gives the same answer.
    assert (
        post(f"{url}/v1/chat/completions", {"messages": messages, "temperature": 0, "max_tokens": 12})[1]["choices"][
            0
        ]["message"]["content"]
        == text
    )


def test_bad_requests_get_openai_errors(server):
    url, chat = server
    status, body = post(f"{url}/v1/chat/completions", {"messages": []})
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    status, body = post(f"{url}/v1/chat/completions", {"messages": [{"role": "user", "content": "x " * 2000}]})
    assert status == 400 and "maximum context length" in body["error"]["message"]
    assert post(f"{url}/v1/completions", {"prompt": "x"})[0] == 404
    with urllib.request.urlopen(f"{url}/v1/models", timeout=10) as response:
        assert json.loads(response.read())["data"][0]["id"] == "tiny"


def _inputs(root) -> tuple:
    prompts, answers = root / "p.jsonl", root / "a.jsonl"
    write_jsonl(prompts, [{"id": f"p{i}", "text": f"What is {i} plus {i}?", "benchmark": "lima", "category": None}
                          for i in range(3)], "eval_prompt")  # fmt: skip
    write_jsonl(answers, [{"prompt_id": f"p{i}", "response_id": f"p{i}/m", "text": f"It is {2 * i}.",
                           "checkpoint": "m", "sample_index": 0, "sampling": {"temperature": 0.0, "template": "chat"},
                           "seed": 0} for i in range(3)], "response")  # fmt: skip
    return prompts, answers, root / "eval" / "gpt4o.json"


def _grade_llm(manifest, prompts, answers, out, params: dict) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "alma.cli", "-v", "grade-llm", "--name", "m", "--serve-model", str(manifest),
            "--prompts", str(prompts), "--answers", str(answers), "--out", str(out), "--params", json.dumps(params),
            "--threads", "1"]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": SECRET, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)


def _server_pid(stderr: str) -> int:
    pids = {int(p) for p in re.findall(r"local grading server \(pid (\d+)\)", stderr)}
    assert len(pids) == 1, stderr[-2000:]
    return pids.pop()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_grade_llm_serves_the_model_itself_counts_cost_and_caches(tiny_manifest, tmp_path):
    prompts, answers, out = _inputs(tmp_path)
    params = {"model": "tiny-grader", "max_retries": 0, "max_tokens": 8, "backoff_s": 0.01,
              "price_per_1k_in": 1.0, "price_per_1k_out": 2.0, "base_url": "http://unused.invalid/v1"}  # fmt: skip
    first = _grade_llm(tiny_manifest, prompts, answers, out, params)
    assert first.returncode == 0, first.stderr[-3000:]
    assert _gone(_server_pid(first.stderr))
    result = read_json(out)
    assert result["n"] == 3 and result["calls"] == 3 and result["cache_hits"] == 0
    assert result["protocol"]["template_hash"] == TEMPLATE_HASH
    assert result["grader"]["endpoint"] == "alma serve-openai (127.0.0.1)"
    assert result["grader"]["model"].startswith("tiny-grader@")  # the served weights name the grader
    entries = [json.loads(line) for line in (tmp_path / "eval" / "gpt4o.json.cache.jsonl").read_text().splitlines()]
    tokens_in = sum(e["usage"]["prompt_tokens"] for e in entries)
    tokens_out = sum(e["usage"]["completion_tokens"] for e in entries)
    assert len(entries) == 3 and tokens_in > 0 and 0 < tokens_out <= 3 * 8
    assert result["cost_usd"] == pytest.approx((tokens_in * 1.0 + tokens_out * 2.0) / 1000, abs=1e-6)

    again = _grade_llm(tiny_manifest, prompts, answers, out, params)
    assert again.returncode == 0, again.stderr[-3000:]
    assert read_json(out)["calls"] == 0 and read_json(out)["cache_hits"] == 3 and read_json(out)["cost_usd"] == 0
    assert _gone(_server_pid(again.stderr))
    for text in (first.stderr, first.stdout, again.stderr, out.read_text()):
        assert SECRET not in text


def test_a_server_that_cannot_start_is_a_clear_error(tmp_path):
    from alma.models import write_manifest

    not_a_model = tmp_path / "empty"
    not_a_model.mkdir()
    write_manifest(tmp_path / "manifest.json", not_a_model, base="nothing")
    prompts, answers, out = _inputs(tmp_path)
    proc = _grade_llm(tmp_path / "manifest.json", prompts, answers, out, {"model": "m"})
    assert proc.returncode == 2 and not out.exists()
    assert "alma grade-llm: error: the local grading server" in proc.stderr and "exited with status" in proc.stderr


def test_readiness_wait_times_out_with_the_servers_last_lines(tmp_path):
    log_path = tmp_path / "server.log"
    log_path.write_text("loading weights\n")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(ServerStartError, match=r"(?s)not ready after 0 s.*loading weights"):
            _wait_ready(sleeper, tmp_path / "ready.json", log_path, "the test server", timeout_s=0.3)
    finally:
        sleeper.kill()
        sleeper.wait()
