"""AlpacaEval 2.0 through alpaca-eval's own API, offline: a local judge and the minimal LC GLM."""

import json
from pathlib import Path

import pytest

import alma.cli
from alma.evaluation.alpacaeval import OFFICIAL_ANNOTATOR, _copy_official_config, run_alpacaeval
from alma.records import read_json, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:pkg_resources is deprecated")


def _package_caches() -> set[Path]:
    from alpaca_eval import constants

    root = Path(constants.EVALUATORS_CONFIG_DIR).parent
    return set(root.rglob("annotations_seed*.json")) | set(root.rglob("baseline_*.csv"))


def _outputs():
    instructions = [f"Explain topic {i} to a beginner." for i in range(10)]
    model = [
        {"instruction": q, "output": "Here is a careful explanation. " * (1 + i % 4)}
        for i, q in enumerate(instructions)
    ]
    reference = [{"instruction": q, "output": "A short reply. " * (1 + (i + 2) % 3), "generator": "ref"}
                 for i, q in enumerate(instructions)]  # fmt: skip
    return model, reference


def test_local_judge_win_rates_without_touching_the_package(tmp_path):
    before = _package_caches()
    model, reference = _outputs()
    seen = []

    def prefer_longer(instruction: str, output_1: str, output_2: str) -> int:
        seen.append(instruction)
        return 1 if len(output_1) >= len(output_2) else 2

    result = run_alpacaeval(model, reference, prefer_longer, tmp_path / "ae", "tiny-model", judge_id="longer")
    expected_wins = sum(len(m["output"]) > len(r["output"]) for m, r in zip(model, reference, strict=True))
    assert result["n_total"] == 10 and result["n_wins"] == expected_wins and len(seen) == 10
    for key in ("win_rate", "length_controlled_winrate"):
        assert 0.0 <= result[key] <= 100.0
    assert result["win_rate"] == pytest.approx(100 * expected_wins / 10)
    assert result["lc_glm"] == "length_controlled_minimal" and result["annotator"] == "longer"
    assert (result["judge_calls"], result["cache_hits"]) == (10, 0)
    caches = list((tmp_path / "ae" / "annotator_configs").rglob("annotations_seed*.json"))
    assert len(caches) == 1 and _package_caches() == before

    # A rerun is served from the cache next to the copied config: the judge is not asked again.
    seen.clear()
    again = run_alpacaeval(model, reference, prefer_longer, tmp_path / "ae", "tiny-model", judge_id="longer")
    assert seen == [] and (again.pop("judge_calls"), again.pop("cache_hits")) == (0, 10)
    assert again == {k: v for k, v in result.items() if k not in ("judge_calls", "cache_hits")}


def test_official_annotator_config_is_copied_with_its_template(tmp_path):
    config_dir = _copy_official_config(OFFICIAL_ANNOTATOR, tmp_path)
    assert (config_dir / "configs.yaml").exists()
    assert (tmp_path / "alpaca_eval_clf_gpt4_turbo" / "alpaca_eval_clf.txt").exists()
    with pytest.raises(ValueError, match="unknown alpaca-eval annotator"):
        _copy_official_config("no_such_annotator", tmp_path)


def test_alpacaeval_command_with_a_reward_model_judge(tiny_model_dir, tmp_path, monkeypatch):
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

    from alma.models import write_manifest

    if "alma.commands.external" not in alma.cli.COMMAND_MODULES:
        monkeypatch.setattr(alma.cli, "COMMAND_MODULES", (*alma.cli.COMMAND_MODULES, "alma.commands.external"))
    rm_dir = tmp_path / "rm"
    config = LlamaConfig.from_pretrained(tiny_model_dir)
    config.num_labels = 1
    torch.manual_seed(0)
    LlamaForSequenceClassification(config).save_pretrained(rm_dir)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(rm_dir)
    write_manifest(tmp_path / "rm.json", rm_dir, base="random-init")

    model, reference = _outputs()
    prompts = [{"id": f"alpaca-{i:03d}", "text": m["instruction"], "benchmark": "alpaca", "dataset_index": 100 + i}
               for i, m in enumerate(model)]  # fmt: skip
    sampling = {"temperature": 0.0, "template": "chat"}
    write_jsonl(tmp_path / "p.jsonl", prompts, "eval_prompt")
    for name, outputs in (("m", model), ("ref", reference[::-1])):  # references in another order: matched by id
        ids = [p["id"] for p in prompts] if name == "m" else [p["id"] for p in prompts][::-1]
        write_jsonl(tmp_path / f"{name}.jsonl", [{"prompt_id": i, "response_id": f"{i}/{name}", "text": o["output"],
                                                  "checkpoint": name, "sample_index": 0, "sampling": sampling, "seed": 0}
                                                 for i, o in zip(ids, outputs, strict=True)], "response")  # fmt: skip
    out = tmp_path / "eval" / "alpacaeval.json"
    argv = ["alpacaeval", "--prompts", str(tmp_path / "p.jsonl"), "--model-answers", str(tmp_path / "m.jsonl"),
            "--reference-answers", str(tmp_path / "ref.jsonl"), "--judge-manifest", str(tmp_path / "rm.json"),
            "--out", str(out), "--params", json.dumps({})]  # fmt: skip
    assert alma.cli.main(argv) == 0
    result = read_json(out)
    assert result["model"] == "m" and result["n_total"] == 10 and result["protocol"]["reference"] == "ref"
    assert 0.0 <= result["win_rate"] <= 100.0 and 0.0 <= result["length_controlled_winrate"] <= 100.0
    assert result["annotator"].startswith("reward-model:")
