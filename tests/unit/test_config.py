import json
from pathlib import Path

import pytest

from alma.config import (
    SamplingParams,
    TrainParams,
    check_shared_upstream,
    config_differences,
    config_files,
    derive_seed,
    from_dict,
    load_yaml,
    merge_configs,
    needs_default_config,
    parse_params,
    resolve_config,
    upstream_view,
)


def test_from_dict_rejects_unknown_keys():
    assert from_dict(SamplingParams, {"temperature": 0.0}).greedy
    with pytest.raises(ValueError, match="unknown key"):
        from_dict(TrainParams, {"epochs": 1, "lr": 3})


def test_params_and_seeds():
    assert parse_params('{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_params("{a: 1}")
    assert derive_seed(0, "responses", 3) == derive_seed(0, "responses", 3)
    assert derive_seed(0, "responses", 3) != derive_seed(0, "responses", 4)


def _config(**rounds):
    return {
        "run": "mini",
        "seed": 0,
        "seed_data": {"sft_size": 300},
        "diversify": {"method": "kmeans", "clusters": 200},
        "rounds": {"objective": "sft", "prompts_per_round": 96, "sampling": {"temperature": 1.0}, **rounds},
        "judge": {"variant": "ft_real", "train": {"epochs": 3}},
    }


def test_upstream_view_drops_only_per_run_keys():
    view = upstream_view(_config())
    assert "run" not in view and view["seed"] == 0
    assert view["diversify"] == {"clusters": 200}  # method only acts on the rounds
    assert view["rounds"] == {"sampling": {"temperature": 1.0}}  # the distillation pairs use it
    assert view["judge"] == {"train": {"epochs": 3}}


def _record(tmp_path, config):
    path = tmp_path / "upstream.json"
    path.write_text(json.dumps({"config": upstream_view(config)}))
    return path


def test_an_ablation_may_change_round_keys(tmp_path):
    record = _record(tmp_path, _config())
    ablation = {**_config(objective="dpo", prompts_per_round=48), "run": "mini_dpo", "shared_run": "mini"}
    ablation["diversify"] = {"method": "random", "clusters": 200}
    check_shared_upstream(ablation, record)  # no error


def test_an_ablation_that_changes_the_upstream_is_refused_by_name(tmp_path):
    record = _record(tmp_path, _config())
    ablation = {**_config(), "run": "mini_x", "shared_run": "mini", "seed_data": {"sft_size": 301}}
    ablation["rounds"]["sampling"] = {"temperature": 0.7}
    with pytest.raises(ValueError) as error:
        check_shared_upstream(ablation, record)
    message = str(error.value)
    assert "rounds.sampling.temperature, seed_data.sft_size" in message and str(record) in message


def test_an_ablation_without_its_shared_run_says_what_to_build(tmp_path):
    ablation = {**_config(), "run": "mini_dpo", "shared_run": "mini"}
    with pytest.raises(ValueError, match="build that run first"):
        check_shared_upstream(ablation, tmp_path / "missing.json")
    broken = tmp_path / "upstream.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match="not an upstream record"):
        check_shared_upstream(ablation, broken)


def test_config_differences_names_missing_and_changed_keys():
    assert config_differences({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "d": 2}}) == ["a.c", "a.d"]
    assert config_differences([1, 2], [1, 2]) == []


REPO = Path(__file__).resolve().parents[2]


def test_a_whole_run_config_is_used_alone_and_overlays_lie_over_the_default():
    overlay = {"run": "mini_dpo", "shared_run": "mini", "rounds": {"objective": "dpo"}}
    assert needs_default_config({})  # plain `snakemake`: config/config.yaml
    assert needs_default_config({"config/ablations/dpo.yaml": overlay})
    assert not needs_default_config({"config/paper.yaml": {"world": "hub"}})
    assert not needs_default_config({"config/paper.yaml": {"world": "hub"}, "config/ablations/dpo.yaml": overlay})


@pytest.mark.parametrize(
    "order",
    [["overlay.yaml", "paper.yaml"], ["config.yaml", "paper.yaml"]],
    ids=["whole-config-after-an-overlay", "two-whole-configs"],
)
def test_a_whole_run_config_after_another_file_is_refused_by_name(order):
    contents = {"overlay.yaml": {"run": "x"}, "config.yaml": {"world": "mini"}, "paper.yaml": {"world": "hub"}}
    with pytest.raises(ValueError, match=r"paper\.yaml sets `world:`, so it is a whole run config"):
        needs_default_config({name: contents[name] for name in order})


def test_config_files_and_the_resolved_config_of_the_committed_files(monkeypatch):
    monkeypatch.chdir(REPO)
    paper, dpo, random = "config/paper.yaml", "config/ablations/dpo.yaml", "config/ablations/random_prompts.yaml"
    assert config_files([paper]) == [Path(paper)]
    assert config_files([dpo]) == [Path("config/config.yaml"), Path(dpo)]  # what `make ablations` runs
    assert config_files([paper, random]) == [Path(paper), Path(random)]
    resolved = resolve_config([paper, random])
    assert resolved["diversify"]["method"] == "random" and resolved["world"] == "hub"
    assert "mini" not in resolved and "distill_replay" not in resolved["judge"]
    assert resolve_config([]) == load_yaml("config/config.yaml")


def test_merge_configs_is_snakemakes_update_config():
    from snakemake.utils import update_config

    base = {"a": {"b": 1, "c": {"d": 2}}, "e": [1, 2], "f": 3}
    override = {"a": {"c": {"g": 4}}, "e": [3], "f": {"h": 5}, "i": {"j": 6}}
    expected = json.loads(json.dumps(base))
    update_config(expected, override)
    assert merge_configs(base, override) == expected
    assert base == {"a": {"b": 1, "c": {"d": 2}}, "e": [1, 2], "f": 3}  # inputs untouched
