"""The official AlpacaEval annotator answered by a local model: logprobs from the server, the command end to end."""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alma.evaluation.alpacaeval import OFFICIAL_ANNOTATOR
from alma.evaluation.local_server import ChatModel, completion_json, parse_request
from alma.records import read_json, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:pkg_resources is deprecated")

# What alpaca-eval's openai decoder sends for weighted_alpaca_eval_gpt4_turbo (its configs.yaml), bar the prompt.
ANNOTATOR_REQUEST = {"model": "gpt-4-1106-preview", "max_tokens": 1, "temperature": 1, "top_p": 1.0,
                     "logprobs": True, "top_logprobs": 5}  # fmt: skip


@pytest.fixture(scope="module")
def chat(tiny_model_dir) -> ChatModel:
    return ChatModel(tiny_model_dir)


def test_logprobs_are_the_models_own_top_log_probabilities(chat, tiny_model_dir):
    import torch

    from alma.backends.hf import encode_texts

    messages = [{"role": "system", "content": "You are a judge."}, {"role": "user", "content": "Answer m or M."}]
    body = {**ANNOTATOR_REQUEST, "messages": messages}
    reply = completion_json("served", chat.complete(parse_request(body)))
    assert reply == json.loads(json.dumps(reply))  # plain JSON: no NaN or infinity
    [entry] = reply["choices"][0]["logprobs"]["content"]
    top = entry["top_logprobs"]
    values = [t["logprob"] for t in top]
    assert len(top) == 5 and values == sorted(values, reverse=True) and all(v <= 0 for v in values)
    assert sum(math.exp(v) for v in values) <= 1 + 1e-6
    assert entry["token"] == top[0]["token"] and entry["logprob"] == top[0]["logprob"]  # greedy at temperature 1
    assert all(t["bytes"] == list(t["token"].encode()) for t in top)

    # The model's own log-softmax at the first generated position, recomputed without the server.
    ids = encode_texts(chat.tokenizer, [chat.render(messages)])[0]
    with torch.inference_mode():
        logits = chat.backend.model(input_ids=torch.tensor([ids])).logits[0, -1].float()
    expected = torch.log_softmax(logits, -1).topk(5)
    assert values == pytest.approx(expected.values.tolist(), abs=1e-5)
    assert [t["token"] for t in top] == [chat.tokenizer.decode([i]) for i in expected.indices.tolist()]

    # Repeated at temperature 1, the answer does not change (greedy), and longer replies list every token.
    assert completion_json("served", chat.complete(parse_request(body)))["choices"] == reply["choices"]
    longer = chat.complete(parse_request({**body, "max_tokens": 3, "top_logprobs": 2}))
    assert 1 <= len(longer["logprobs"]) <= 3 and all(len(e["top_logprobs"]) == 2 for e in longer["logprobs"])
    assert chat.complete(parse_request({**body, "logprobs": False, "top_logprobs": None}))["logprobs"] is None


def test_top_logprobs_is_validated_as_openai_does():
    base = {"messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(ValueError, match="'logprobs' must be true"):
        parse_request({**base, "top_logprobs": 3})
    with pytest.raises(ValueError, match="from 0 to 20"):
        parse_request({**base, "logprobs": True, "top_logprobs": 21})


def _m_or_m_judge(tiny_model_dir: Path, out: Path) -> None:
    """The tiny model with a longer context, steered so that "m" or "M" (by the sign of one hidden unit) tops
    every next-token distribution: the official logprob parser then reads a real preference from it."""
    import shutil

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    [m], [big_m] = (tok(t, add_special_tokens=False).input_ids for t in ("m", "M"))
    with torch.no_grad():
        model.model.norm.weight.zero_()
        model.model.norm.weight[0] = 1.0  # logits = hidden unit 0 times the output embeddings' column 0
        column = model.get_output_embeddings().weight[:, 0]
        column.zero_()
        column[m], column[big_m] = 10.0, -10.0
    model.config.max_position_embeddings = 4096  # RoPE: the judge prompt outgrows the fixture's 512
    model.save_pretrained(out)
    tok.model_max_length = 4096
    tok.save_pretrained(out)
    for extra in ("generation_config.json",):
        if (tiny_model_dir / extra).exists() and not (out / extra).exists():
            shutil.copy(tiny_model_dir / extra, out / extra)


def test_alpacaeval_command_serves_the_official_annotator(tiny_model_dir, tmp_path):
    from alma.models import write_manifest

    _m_or_m_judge(tiny_model_dir, tmp_path / "judge")
    write_manifest(tmp_path / "judge.json", tmp_path / "judge", base="tiny-m-judge")
    # Six prompts: the length-controlled GLM cross-validates over five folds of instructions.
    instructions = ["Name a colour.", "Give one tip for sleeping well.", "What is two plus two?", "Say hello.",
                    "Name a fruit.", "Describe rain in one sentence."]  # fmt: skip
    answers = ["Blue.", "Keep a regular bedtime and a dark room.", "Four.", "Hello there, nice to meet you!",
               "An apple.", "Rain is water falling from clouds."]  # fmt: skip
    prompts = [{"id": f"alpaca-{i:03d}", "text": q, "benchmark": "alpaca", "dataset_index": i}
               for i, q in enumerate(instructions)]  # fmt: skip
    write_jsonl(tmp_path / "p.jsonl", prompts, "eval_prompt")
    sampling = {"temperature": 0.0, "template": "chat"}
    for name, texts in (("m", answers), ("ref", [f"{a} Also, a longer reference." for a in answers])):
        write_jsonl(tmp_path / f"{name}.jsonl", [{"prompt_id": p["id"], "response_id": f"{p['id']}/{name}",
                                                  "text": t, "checkpoint": name, "sample_index": 0,
                                                  "sampling": sampling, "seed": 0}
                                                 for p, t in zip(prompts, texts, strict=True)], "response")  # fmt: skip
    out = tmp_path / "eval" / "alpacaeval.json"
    argv = [sys.executable, "-m", "alma.cli", "alpacaeval", "--prompts", str(tmp_path / "p.jsonl"),
            "--model-answers", str(tmp_path / "m.jsonl"), "--reference-answers", str(tmp_path / "ref.jsonl"),
            "--serve-model", str(tmp_path / "judge.json"), "--out", str(out), "--threads", "1",
            "--params", json.dumps({"annotator": OFFICIAL_ANNOTATOR})]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OPENAI_API_KEY": "sk-must-not-leak"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sk-must-not-leak" not in done.stdout + done.stderr

    result = read_json(out)
    assert result["n_total"] == 6 and 0.0 <= result["win_rate"] <= 100.0
    assert math.isfinite(result["length_controlled_winrate"]) and result["lc_glm"] == "length_controlled_minimal"
    served = result["protocol"]["served_model"]
    assert result["annotator"] == f"{OFFICIAL_ANNOTATOR}@{served['identity']}" and served["base"] == "tiny-m-judge"
    # The official config ran unchanged, its annotations cached under a directory named after the served model.
    [cache] = (tmp_path / "eval" / "alpacaeval_cache" / "annotator_configs").rglob("annotations_seed*.json")
    assert cache.parent.name == OFFICIAL_ANNOTATOR and cache.parent.parent.name.startswith("served_")
    assert {a["preference"] for a in json.loads(cache.read_text())} <= {1.0, 2.0}

    # The server was stopped by the command itself, not left to its parent watch.
    pids = {int(p) for p in re.findall(r"local grading server \(pid (\d+)\) stopped", done.stderr)}
    assert len(pids) == 1 and not Path(f"/proc/{pids.pop()}").exists()
