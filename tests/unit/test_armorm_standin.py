"""The ArmoRM stand-in: built by `alma build-armorm-standin`, loaded and graded exactly like ArmoRM.

ArmoRM itself needs the hub; the stand-in runs its code path offline: ``auto_map`` to modelling code
shipped in the directory (``trust_remote_code``), an output with ``score``, ``rewards`` and
``gating_output``, and ``alma grade --evaluator armorm`` writing raw scores and the 0-10 map.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import alma.cli
from alma.evaluation.armorm import DEFAULT_ANCHORS, armorm_scores, armorm_to_ten
from alma.evaluation.armorm_standin import AUTO_MAP, MODELING_FILE, StandinShape
from alma.model_sources import snapshot_patterns
from alma.records import read_json, sha256_file, write_jsonl

PROMPTS = ["What colour is the sky?", "Add 2 and 3.", "Name a fruit.", "Say hi."]
ANSWERS = ["Blue.", "2 plus 3 is 5, because counting on from 2 gives 5.", "Apple.", ""]


def build(base, out_dir, seed: int = 0):
    """Run the CLI builder; returns the manifest path (the model lies beside it)."""
    manifest = out_dir / "manifest.json"
    argv = [
        "build-armorm-standin",
        "--base",
        str(base),
        "--out",
        str(manifest),
        "--params",
        json.dumps({"seed": seed}),
    ]
    assert alma.cli.main(argv) == 0
    return manifest


@pytest.fixture(scope="module")
def standin(tiny_model_dir, tmp_path_factory):
    return build(tiny_model_dir, tmp_path_factory.mktemp("armorm-standin"))


def test_the_directory_is_self_contained_like_a_hub_snapshot(standin, tiny_model_dir):
    model_dir = standin.parent
    config = json.loads((model_dir / "config.json").read_text())
    assert config["auto_map"] == AUTO_MAP and config["architectures"] == ["LlamaForRewardModelWithGating"]
    assert config["num_objectives"] == 19 and config["num_hidden_layers"] == StandinShape().num_hidden_layers
    assert config["assistant_marker_ids"], "the gate needs the assistant header's ids"
    assert (model_dir / MODELING_FILE).is_file() and (model_dir / "model.safetensors").is_file()
    # The base's tokenizer and chat template, and the modelling code is part of the manifest's identity.
    assert (model_dir / "tokenizer.json").read_bytes() == (tiny_model_dir / "tokenizer.json").read_bytes()
    assert MODELING_FILE in read_json(standin)["files"]


def test_same_seed_same_bytes_other_seed_other_weights(standin, tiny_model_dir, tmp_path):
    again = build(tiny_model_dir, tmp_path / "again").parent
    other = build(tiny_model_dir, tmp_path / "other", seed=1).parent
    for name in ("model.safetensors", "config.json", MODELING_FILE, "tokenizer.json"):
        assert sha256_file(again / name) == sha256_file(standin.parent / name), name
    assert sha256_file(other / "model.safetensors") != sha256_file(again / "model.safetensors")


def test_loads_through_remote_code_and_returns_armorm_outputs(standin):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model_dir = standin.parent
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, trust_remote_code=True).eval()
    # Loaded from the directory's own file (transformers' module cache), not from the alma package.
    assert type(model).__name__ == "LlamaForRewardModelWithGating"
    assert type(model).__module__.startswith("transformers_modules")
    tok = AutoTokenizer.from_pretrained(model_dir)
    text = tok.apply_chat_template([{"role": "user", "content": PROMPTS[0]},
                                    {"role": "assistant", "content": ANSWERS[0]}], tokenize=False)  # fmt: skip
    with torch.inference_mode():
        out = model(**tok([text], return_tensors="pt", add_special_tokens=False))
    assert out.score.shape == (1, 1) and out.rewards.shape == (1, 19) and out.gating_output.shape == (1, 19)
    assert out.gating_output.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert out.score.item() == pytest.approx((out.gating_output * out.rewards).sum().item(), abs=1e-6)
    # The evaluator reads `.score` (not logits) through the same loading path.
    assert armorm_scores(model_dir, PROMPTS[:1], ANSWERS[:1], trust_remote_code=True) == [
        pytest.approx(out.score.item(), abs=1e-6)
    ]


def test_scores_are_deterministic_and_independent_of_batching(standin):
    one = armorm_scores(standin.parent, PROMPTS, ANSWERS, batch_size=1, trust_remote_code=True)
    batched = armorm_scores(standin.parent, PROMPTS, ANSWERS, batch_size=4, trust_remote_code=True)
    assert armorm_scores(standin.parent, PROMPTS, ANSWERS, batch_size=1, trust_remote_code=True) == one
    assert batched == pytest.approx(one, abs=1e-5) and len(set(one)) > 1


def test_a_head_fitted_to_ratings_lands_on_the_map_deterministically(tiny_model_dir, tmp_path):
    rows = [{"prompt": f"What is {i} plus {i}?", "response": f"{i} plus {i} is {2 * i}." if i % 2 else "No.",
             "score": 8 + i % 3 if i % 2 else i % 3} for i in range(30)]  # fmt: skip
    write_jsonl(tmp_path / "ratings.jsonl", rows, "seed_judgment")
    manifests = []
    for name in ("a", "b"):
        manifests.append(tmp_path / name / "manifest.json")
        argv = ["build-armorm-standin", "--base", str(tiny_model_dir), "--ratings", str(tmp_path / "ratings.jsonl"),
                "--out", str(manifests[-1]), "--params", json.dumps({"seed": 0, "fit_rows": 24})]  # fmt: skip
        assert alma.cli.main(argv) == 0
    fit = read_json(manifests[0])["metrics"]["fit"]
    assert fit["rows"] == 24 and fit["train_pearson"] > 0.5
    assert read_json(manifests[0])["files"] == read_json(manifests[1])["files"]  # same seed and rows, same bytes
    ten = armorm_to_ten(armorm_scores(manifests[0].parent, [r["prompt"] for r in rows],
                                      [r["response"] for r in rows], trust_remote_code=True))  # fmt: skip
    assert 2.0 < sum(ten) / len(ten) < 8.0 and len({round(x, 3) for x in ten}) > 10  # spread, not clipped


def test_remote_code_off_or_missing_is_refused_clearly(standin, tmp_path):
    # transformers alone would load its stock Llama classifier with a random head, silently.
    with pytest.raises(ValueError, match="ships its own modelling code .* trust_remote_code"):
        armorm_scores(standin.parent, PROMPTS[:1], ANSWERS[:1], trust_remote_code=False)
    stripped = tmp_path / "no-code"
    stripped.mkdir()
    for item in standin.parent.iterdir():
        if item.name != MODELING_FILE and item.is_file():
            (stripped / item.name).write_bytes(item.read_bytes())
    with pytest.raises(ValueError, match=f"{MODELING_FILE} named by config.json auto_map is missing"):
        armorm_scores(stripped, PROMPTS[:1], ANSWERS[:1], trust_remote_code=True)


def test_hub_snapshots_of_remote_code_models_include_their_code():
    assert "*.py" in snapshot_patterns(True) and "*.py" not in snapshot_patterns(False)
    for trust in (True, False):
        assert {"*.json", "*.safetensors", "tokenizer*", "*.jinja"} <= set(snapshot_patterns(trust))
        assert not any(p.endswith((".bin", ".pt", ".pth")) for p in snapshot_patterns(trust))  # never pickles


def _grade_inputs(root) -> list[tuple]:
    sets = []
    for benchmark in ("lima", "mtbench"):
        prompts, answers = root / f"{benchmark}.jsonl", root / f"{benchmark}_answers.jsonl"
        write_jsonl(prompts, [{"id": f"{benchmark}{i}", "text": q, "benchmark": benchmark, "category": None}
                              for i, q in enumerate(PROMPTS)], "eval_prompt")  # fmt: skip
        write_jsonl(answers, [{"prompt_id": f"{benchmark}{i}", "response_id": f"{benchmark}{i}/m", "text": a,
                               "checkpoint": "m", "sample_index": 0, "seed": 0,
                               "sampling": {"temperature": 0.0, "template": "chat"}}
                              for i, a in enumerate(ANSWERS)], "response")  # fmt: skip
        sets.append((prompts, answers, root / "eval" / benchmark / "armorm.json"))
    return sets


def _grade(standin, sets, params: dict) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "alma.cli", "grade", "--evaluator", "armorm", "--name", "m",
            "--reward-model", str(standin), "--prompts", *[str(s[0]) for s in sets],
            "--answers", *[str(s[1]) for s in sets], "--out", *[str(s[2]) for s in sets],
            "--params", json.dumps(params), "--threads", "1"]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_alma_grade_armorm_end_to_end(standin, tmp_path):
    sets = _grade_inputs(tmp_path)
    refused = _grade(standin, sets, {})
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "alma grade: error:" in refused.stderr and "trust_remote_code" in refused.stderr
    proc = _grade(standin, sets, {"trust_remote_code": True, "batch_size": 2})
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected_raw = armorm_scores(standin.parent, PROMPTS, ANSWERS, trust_remote_code=True)
    for prompts, _, out in sets:
        result = read_json(out)
        assert result["evaluator"] == "armorm" and result["n"] == 4 and result["benchmark"] == prompts.stem
        assert result["raw_scores"] == pytest.approx(expected_raw, abs=1e-5)
        assert result["scores"] == pytest.approx(armorm_to_ten(result["raw_scores"]), abs=1e-3)
        protocol = result["protocol"]
        assert protocol["to_ten"] == {"map": "clipped_affine", "anchors": list(DEFAULT_ANCHORS)}
        assert protocol["evaluator_id"].endswith(f"anchors={DEFAULT_ANCHORS[0]},{DEFAULT_ANCHORS[1]}")
        assert protocol["prompt_set_sha256"] == sha256_file(prompts) and protocol["answer_template"] == "chat"
