"""The LLM grader against a real local HTTP server speaking the OpenAI chat-completions protocol."""

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import alma.cli
from alma.evaluation.grader import (
    TEMPLATE_HASH,
    CostCapExceeded,
    EndpointUnreachable,
    Grader,
    GraderError,
    parse_rating,
)
from alma.records import read_json, write_jsonl

SECRET = "sk-test-DO-NOT-LEAK-8f3a1c"


class ChatServer:
    """POST /v1/chat/completions on 127.0.0.1; ``reply(body) -> str`` and ``statuses`` (served first) are settable."""

    def __init__(self):
        self.requests: list[dict] = []
        self.auth: list[str] = []
        self.reply = lambda body: "Clear and correct. Rating: [[7]]"
        self.statuses: list[int] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.auth.append(self.headers.get("Authorization", ""))
                status = server.statuses.pop(0) if server.statuses else 200
                if self.path != "/v1/chat/completions":
                    status = 404
                payload = {"error": {"message": "try later", "type": "server_error"}}
                if status == 200:
                    payload = {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": server.reply(body)}}],
                               "usage": {"prompt_tokens": 200, "completion_tokens": 50, "total_tokens": 250}}  # fmt: skip
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def server():
    srv = ChatServer()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def make(server, tmp_path, **kw):
    return Grader(server.url, "judge-model", cache_path=tmp_path / "cache.jsonl", backoff_s=0.01, **kw)


def test_parse_rating():
    assert parse_rating("Good. Rating: [[8]]") == 8.0
    assert parse_rating('Format: "[[6]]". Verdict: [[9.5]]') == 9.5
    assert parse_rating("Rating: [4]") == 4.0
    assert parse_rating("[Rating: 7]") == 7.0 and parse_rating("rating: 3, since it is vague") == 3.0
    assert parse_rating("Rating: [[11]]") is None and parse_rating("no rating") is None


def test_parsable_reply_gives_score_at_temperature_zero(server, tmp_path):
    grader = make(server, tmp_path)
    assert grader.grade(["What is 2+2?"], ["4"]) == [7.0]
    body = server.requests[0]
    assert body["temperature"] == 0 and body["model"] == "judge-model"
    assert "What is 2+2?" in body["messages"][-1]["content"] and server.auth == [f"Bearer {SECRET}"]
    assert grader.counters() == {"calls": 1, "cache_hits": 0, "missing": 0, "cost_usd": 0.0}


def test_unparsable_reply_is_retried_then_missing(server, tmp_path):
    server.reply = lambda body: "I would rather not say."
    grader = make(server, tmp_path, max_retries=2)
    assert grader.grade(["q"], ["a"]) == [None]
    assert len(server.requests) == 3 and grader.calls == 3 and grader.missing == 1


def test_rerun_makes_zero_calls(server, tmp_path):
    server.reply = lambda body: f"Rating: [[{len(body['messages'][-1]['content']) % 11}]]"
    prompts, answers = ["q1", "q2", "q3"], ["a1", "a2", "a3"]
    first = make(server, tmp_path).grade(prompts, answers)
    server.requests.clear()
    again = make(server, tmp_path)
    assert again.grade(prompts, answers) == first
    assert server.requests == [] and again.calls == 0 and again.cache_hits == 3
    entry = json.loads((tmp_path / "cache.jsonl").read_text().splitlines()[0])
    assert entry["template_hash"] == TEMPLATE_HASH and entry["model"] == "judge-model"


def test_concurrent_workers_and_duplicate_pairs(server, tmp_path):
    server.reply = lambda body: f"Rating: [[{body['messages'][-1]['content'].count('@') % 11}]]"
    answers = ["@" * i for i in range(6)] + ["@@"]  # the last pair repeats pair 2: graded once
    grader = make(server, tmp_path, workers=3)
    assert grader.grade(["q"] * 7, answers) == [float(i) for i in range(6)] + [2.0]
    assert len(server.requests) == 6


def test_missing_key_names_the_variable(server, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(GraderError, match=r"\$OPENAI_API_KEY is not set"):
        make(server, tmp_path).grade(["q"], ["a"])
    assert server.requests == []


def test_transient_errors_back_off_and_retry(server, tmp_path):
    server.statuses = [429, 503]
    assert make(server, tmp_path, max_retries=3).grade(["q"], ["a"]) == [7.0]
    assert len(server.requests) == 3


def test_unreachable_endpoint_names_url_and_env_var(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    url = f"http://127.0.0.1:{port}/v1"
    grader = Grader(url, "m", cache_path=tmp_path / "c.jsonl", max_retries=1, backoff_s=0.01, timeout=2)
    with pytest.raises(EndpointUnreachable) as err:
        grader.grade(["q"], ["a"])
    assert url in str(err.value) and "$OPENAI_API_KEY" in str(err.value) and SECRET not in str(err.value)


def test_cost_cap_stops_early_and_rerun_resumes(server, tmp_path):
    # 200 prompt + 50 completion tokens at 1 USD / 1k each = 0.25 USD a call; the estimate adds a full completion.
    kw = {"price_per_1k_in": 1.0, "price_per_1k_out": 1.0, "max_tokens": 60}
    grader = make(server, tmp_path, cost_cap_usd=0.6, **kw)
    with pytest.raises(CostCapExceeded, match="cost cap of 0.6000 USD"):
        grader.grade([f"q{i}" for i in range(5)], [f"a{i}" for i in range(5)])
    assert len(server.requests) == 2 and grader.cost_usd == pytest.approx(0.5)
    resumed = make(server, tmp_path, cost_cap_usd=10.0, **kw)
    assert len(resumed.grade([f"q{i}" for i in range(5)], [f"a{i}" for i in range(5)])) == 5
    assert len(server.requests) == 5 and resumed.cache_hits == 2


def test_grade_llm_command_never_leaks_the_key(server, tmp_path, monkeypatch, caplog, capsys):
    if "alma.commands.external" not in alma.cli.COMMAND_MODULES:
        monkeypatch.setattr(alma.cli, "COMMAND_MODULES", (*alma.cli.COMMAND_MODULES, "alma.commands.external"))
    prompts, answers, out = tmp_path / "p.jsonl", tmp_path / "a.jsonl", tmp_path / "eval" / "gpt4o.json"
    write_jsonl(prompts, [{"id": f"p{i}", "text": f"question {i}", "benchmark": "lima", "category": None}
                          for i in range(3)], "eval_prompt")  # fmt: skip
    write_jsonl(answers, [{"prompt_id": f"p{i}", "response_id": f"p{i}/m", "text": f"answer {i}", "checkpoint": "m",
                           "sample_index": 0, "sampling": {"temperature": 0.0, "template": "chat"}, "seed": 0}
                          for i in range(3)], "response")  # fmt: skip
    server.reply = lambda body: "Fine." if "answer 1" in body["messages"][-1]["content"] else "Rating: [[6]]"
    caplog.set_level(logging.DEBUG)
    params = json.dumps({"base_url": server.url, "model": "gpt-4o", "max_retries": 1, "backoff_s": 0.01})
    argv = ["-v", "grade-llm", "--name", "m", "--prompts", str(prompts), "--answers", str(answers), "--out", str(out),
            "--params", params]  # fmt: skip
    assert alma.cli.main(argv) == 0
    result = read_json(out)
    assert result["scores"] == [6.0, None, 6.0] and result["n_missing"] == 1 and result["mean"] == 6.0
    assert result["calls"] == 4 and result["cache_hits"] == 0 and result["protocol"]["template_hash"] == TEMPLATE_HASH
    assert result["protocol"]["decoding"] == {"temperature": 0.0}
    assert alma.cli.main(argv) == 0 and read_json(out)["cache_hits"] == 3 and read_json(out)["calls"] == 0
    captured = capsys.readouterr()
    cache_text = (tmp_path / "eval" / "gpt4o.json.cache.jsonl").read_text()
    for text in (cache_text, out.read_text(), caplog.text, captured.out, captured.err):
        assert SECRET not in text
    assert server.auth and all(a == f"Bearer {SECRET}" for a in server.auth)  # it was sent, only to the endpoint


def test_grade_llm_grades_the_second_turn_with_the_multi_turn_template(server, tmp_path, monkeypatch):
    from alma.evaluation.grader import MULTI_TURN_HASH

    if "alma.commands.external" not in alma.cli.COMMAND_MODULES:
        monkeypatch.setattr(alma.cli, "COMMAND_MODULES", (*alma.cli.COMMAND_MODULES, "alma.commands.external"))
    prompts, answers, out = tmp_path / "p.jsonl", tmp_path / "a.jsonl", tmp_path / "gpt4o.json"
    write_jsonl(prompts, [{"id": "p0", "text": "first question", "benchmark": "mtbench", "category": "writing",
                           "turns": ["second question"]}], "eval_prompt")  # fmt: skip
    write_jsonl(answers, [{"prompt_id": "p0", "response_id": "p0/m", "text": "first answer", "turns": ["second answer"],
                           "checkpoint": "m", "sample_index": 0, "sampling": {"temperature": 0.0}, "seed": 0}],
                "response")  # fmt: skip
    server.reply = lambda body: "Rating: [[4]]" if "second answer" in body["messages"][-1]["content"] else "[[8]]"
    params = json.dumps({"base_url": server.url, "model": "gpt-4o", "max_retries": 0})
    argv = ["grade-llm", "--name", "m", "--prompts", str(prompts), "--answers", str(answers), "--out", str(out),
            "--params", params]  # fmt: skip
    assert alma.cli.main(argv) == 0
    first, second = (r["messages"][-1]["content"] for r in server.requests)
    assert "first question" in first and "second" not in first  # turn 1: the single-answer template
    assert (
        second.index("first question")
        < second.index("first answer")
        < second.index("second question")
        < second.index("second answer")
        and "LAST question" in second
    )  # turn 2: the whole conversation
    result = read_json(out)
    assert result["turn_scores"] == [[8.0, 4.0]] and result["scores"] == [6.0] and result["mean"] == 6.0
    assert result["protocol"]["template_hash"] not in (TEMPLATE_HASH, MULTI_TURN_HASH)
    cache = [json.loads(line) for line in (tmp_path / "gpt4o.json.cache.jsonl").read_text().splitlines()]
    assert sorted(e["template_hash"] for e in cache) == sorted([TEMPLATE_HASH, MULTI_TURN_HASH])
