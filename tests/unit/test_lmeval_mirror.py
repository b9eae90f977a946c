"""lm-eval's registered gsm8k, ifeval and mmlu_* tasks on the shipped hub mirror: row formats the tasks read,
override resolution against lm-eval's own task index, and `alma lmeval` end to end on the tiny model, offline."""

import json
import re
import shutil

import pytest
import yaml

import alma.cli
from alma.evaluation.lmeval_mirror import mirror_task, mirror_tasks, split_file, write_overrides
from alma.hub_mirror import MANIFEST
from alma.hub_mirror.lmeval_rows import MMLU_SUBJECTS, gsm8k_rows, ifeval_rows, mmlu_rows
from alma.records import read_jsonl

MIRROR = "resources/hub-mirror"
TASKS = ["gsm8k", "ifeval", "mmlu_high_school_geography"]


@pytest.fixture(scope="module")
def index():
    """lm-eval's index of its registered tasks (built once: it parses thousands of YAMLs)."""
    from lm_eval.tasks import TaskManager

    return TaskManager().task_index


@pytest.fixture
def mirror(repo_root):
    return (repo_root / MIRROR).resolve()


@pytest.fixture
def cli(monkeypatch):
    if "alma.commands.external" not in alma.cli.COMMAND_MODULES:
        monkeypatch.setattr(alma.cli, "COMMAND_MODULES", (*alma.cli.COMMAND_MODULES, "alma.commands.external"))
    return alma.cli.main


def manifest_rows(mirror, path: str) -> int:
    return json.loads((mirror / MANIFEST).read_text())["files"][path]["rows"]


def test_gsm8k_answers_work_out_to_their_final_line():
    for split in ("train", "test"):
        rows = gsm8k_rows(split)
        assert len(rows) == 8 and all(set(r) == {"question", "answer"} for r in rows)
        for row in rows:
            notes = re.findall(r"<<([0-9+\-*/(). ]+)=([0-9.]+)>>", row["answer"])
            assert notes, row["answer"]
            for expression, result in notes:  # the calculator notes are arithmetic only (checked by the regex)
                assert eval(expression, {"__builtins__": {}}) == float(result), expression  # noqa: S307
            assert row["answer"].endswith(f"#### {notes[-1][1]}")  # what the strict-match filter extracts


def test_ifeval_rows_are_understood_by_lmeval_checkers():
    from lm_eval.tasks.ifeval.instructions_registry import INSTRUCTION_DICT

    rows = ifeval_rows()
    assert len({r["key"] for r in rows}) == len(rows) >= 6
    for row in rows:
        assert set(row) == {"key", "prompt", "instruction_id_list", "kwargs"}
        assert len(row["instruction_id_list"]) == len(row["kwargs"])
        for instruction_id, kwargs in zip(row["instruction_id_list"], row["kwargs"], strict=True):
            checker = INSTRUCTION_DICT[instruction_id](instruction_id)
            checker.build_description(**kwargs)  # lm-eval drops falsy kwargs: none may be falsy
            assert all(kwargs.values()) and set(kwargs) == set(checker.get_instruction_args() or {}), instruction_id
            checker.check_following("a reply")  # needs no NLTK data download


def test_mmlu_rows_follow_cais_mmlu():
    assert set(MMLU_SUBJECTS) == {"high_school_geography", "elementary_mathematics"}
    for subject in MMLU_SUBJECTS:
        for split in ("test", "dev"):
            rows = mmlu_rows(subject, split)
            assert len(rows) == 5
            for row in rows:
                assert set(row) == {"question", "subject", "choices", "answer"} and row["subject"] == subject
                assert len(row["choices"]) == 4 and row["answer"] in range(4)


def test_split_files_are_found_as_the_hub_lays_them_out(tmp_path):
    (tmp_path / "o/cfg/data").mkdir(parents=True)
    (tmp_path / "o/cfg/test-00000-of-00001.jsonl").write_text("{}\n")
    (tmp_path / "o/plain/data").mkdir(parents=True)
    (tmp_path / "o/plain/data/validation-00000-of-00001.parquet").write_bytes(b"")
    (tmp_path / "o/lone").mkdir(parents=True)
    (tmp_path / "o/lone/input_data.jsonl").write_text("{}\n")
    (tmp_path / "o/lone/README.md").write_text("not data")
    (tmp_path / "o/named").mkdir(parents=True)
    (tmp_path / "o/named/test.jsonl").write_text("{}\n")
    assert split_file(tmp_path, "o", "cfg", "test") == tmp_path / "o/cfg/test-00000-of-00001.jsonl"
    assert split_file(tmp_path, "o", "cfg", "train") is None
    assert split_file(tmp_path, "o/plain", None, "validation").name == "validation-00000-of-00001.parquet"
    assert split_file(tmp_path, "o/lone", None, "train") == tmp_path / "o/lone/input_data.jsonl"
    assert split_file(tmp_path, "o/named", None, "train") is None  # a file named for another split is not train
    assert split_file(tmp_path, "o/missing", None, "train") is None
    (tmp_path / "o/cfg/test.jsonl").write_text("{}\n")
    (tmp_path / "o/cfg/test-00000-of-00002.jsonl").write_text("{}\n")
    with pytest.raises(ValueError, match="several files hold split 'test'"):
        split_file(tmp_path, "o", "cfg", "test")


def test_overrides_include_lmevals_task_and_replace_only_its_data(index, mirror, tmp_path):
    tasks = {t.name: t for t in mirror_tasks(index, TASKS, mirror)}
    assert tasks["gsm8k"].data_files == {
        "train": mirror / "openai/gsm8k/main/train-00000-of-00001.jsonl",
        "test": mirror / "openai/gsm8k/main/test-00000-of-00001.jsonl",
    }
    assert tasks["ifeval"].data_files == {"train": mirror / "google/IFEval/ifeval_input_data.jsonl"}
    geography = mirror / "cais/mmlu/high_school_geography"
    assert tasks["mmlu_high_school_geography"].data_files == {
        "dev": geography / "dev-00000-of-00001.jsonl",
        "test": geography / "test-00000-of-00001.jsonl",
    }
    write_overrides(list(tasks.values()), tmp_path)
    for name in TASKS:
        override = yaml.safe_load((tmp_path / f"{name}.yaml").read_text())
        registered = index[name].yaml_path.resolve()
        assert override["include"] == str(registered) and override["task"] == name
        assert {k for k in override if k not in ("include", "task", "tag")} == {
            "dataset_path",
            "dataset_name",
            "dataset_kwargs",
        }
        assert override["dataset_path"] == "json" and override["dataset_name"] is None
        files = override["dataset_kwargs"]["data_files"]
        assert files and all(path.startswith("/") for path in files.values())  # lm-eval resolves against the CWD


def test_tasks_and_groups_the_mirror_lacks_are_named(index, mirror, tmp_path):
    with pytest.raises(ValueError, match=rf"'arc_easy' reads allenai/ai2_arc.*hub mirror {re.escape(str(mirror))}"):
        mirror_task(index, "arc_easy", mirror)
    message = ("lm-eval group 'mmlu' has 57 tasks and hub mirror .* holds 2; name the tasks it holds instead of the "
               "group: mmlu_elementary_mathematics, mmlu_high_school_geography")  # fmt: skip
    with pytest.raises(ValueError, match=message):
        mirror_tasks(index, ["mmlu"], mirror)
    with pytest.raises(ValueError, match="'no_such_task' is not registered"):
        mirror_tasks(index, ["no_such_task"], mirror)
    # A group runs when the mirror holds every task of it (a mirror of the real downloads holds all of MMLU).
    full = tmp_path / "mirror"
    for name in index["mmlu_social_sciences_tasks"].tags:
        shutil.copytree(mirror / "cais/mmlu/high_school_geography", full / "cais/mmlu" / name.removeprefix("mmlu_"))
    held = mirror_tasks(index, ["mmlu_social_sciences"], full)
    assert len(held) == 12 and {t.name for t in held} == index["mmlu_social_sciences_tasks"].tags


def test_edited_mirror_file_is_refused(index, mirror, tmp_path):
    copy = tmp_path / "mirror"
    shutil.copytree(mirror, copy)
    path = copy / "openai/gsm8k/main/test-00000-of-00001.jsonl"
    path.write_text(path.read_text().replace("#### 14", "#### 15"))
    with pytest.raises(ValueError, match="content differs from the sha256"):
        mirror_task(index, "gsm8k", copy)


def test_lmeval_runs_registered_tasks_on_the_mirror(cli, tiny_manifest, repo_root, tmp_path, monkeypatch):
    monkeypatch.chdir(repo_root)  # as the workflow runs it: the config's mirror path is relative
    out = tmp_path / "lmeval.json"
    # IFEval generates up to 1280 tokens and the tiny model's context is 512: bound generation as on a CPU.
    params = {"tasks": TASKS, "hub_mirror": MIRROR, "batch_size": 8, "device": "cpu", "apply_chat_template": False,
              "gen_kwargs": {"max_gen_toks": 16}}  # fmt: skip
    argv = ["lmeval", "--model", str(tiny_manifest), "--out", str(out), "--params", json.dumps(params)]
    assert cli(argv) == 0
    record = json.loads(out.read_text())
    results, protocol = record["results"], record["protocol"]
    assert set(results) == set(TASKS)
    assert protocol["hub_mirror"] == MIRROR and protocol["gen_kwargs"] == {"max_gen_toks": 16}
    mirror = repo_root / MIRROR
    gsm8k, ifeval, mmlu = (results[t] for t in TASKS)
    for key in ("exact_match,strict-match", "exact_match,flexible-extract"):  # gsm8k's own two filters
        assert 0.0 <= gsm8k[key] <= 1.0
    assert gsm8k["sample_len"] == manifest_rows(mirror, "openai/gsm8k/main/test-00000-of-00001.jsonl") == 8
    for key in ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc"):
        assert 0.0 <= ifeval[key] <= 1.0
    assert ifeval["sample_len"] == len(read_jsonl(mirror / "google/IFEval/ifeval_input_data.jsonl")) == 7
    assert 0.0 <= mmlu["acc"] <= 1.0
    assert mmlu["sample_len"] == manifest_rows(mirror, "cais/mmlu/high_school_geography/test-00000-of-00001.jsonl")


def test_lmeval_names_a_task_the_mirror_lacks(cli, tiny_manifest, repo_root, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(repo_root)
    params = {"tasks": ["gsm8k", "arc_easy"], "hub_mirror": MIRROR, "device": "cpu"}
    argv = ["lmeval", "--model", str(tiny_manifest), "--out", str(tmp_path / "x.json"), "--params", json.dumps(params)]
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert "lm-eval task 'arc_easy' reads allenai/ai2_arc" in err and str((repo_root / MIRROR).resolve()) in err
    assert not (tmp_path / "x.json").exists()


def test_a_group_the_mirror_holds_whole_runs_with_its_aggregate(index, mirror, tiny_model_dir, tmp_path):
    from alma.evaluation.lmeval import run_lmeval

    members = index["mmlu_social_sciences_tasks"].tags
    for name in members:  # twelve subjects, each with the geography rows
        shutil.copytree(
            mirror / "cais/mmlu/high_school_geography", tmp_path / "cais/mmlu" / name.removeprefix("mmlu_")
        )
    results = run_lmeval(tiny_model_dir, ["mmlu_social_sciences"], limit=1, apply_chat_template=False, batch_size=8,
                         device="cpu", hub_mirror=tmp_path)  # fmt: skip
    assert set(results) == members | {"mmlu_social_sciences"}
    assert all(results[name]["sample_len"] == 1 for name in members)
    assert results["mmlu_social_sciences"]["sample_len"] == 12 and 0.0 <= results["mmlu_social_sciences"]["acc"] <= 1
