"""The shipped hub mirror (resources/hub-mirror): regenerates byte for byte, matches its manifest, keeps each
original's row format, and is read by the paper's own download path and converters."""

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import alma.cli
from alma.evaluation.rewardbench import SECTION_OF, SECTIONS
from alma.hub_mirror import FILES, MANIFEST, write_mirror
from alma.hub_mirror.eval_rows import mt_bench_prompt_id
from alma.records import read_jsonl, write_jsonl
from alma.sources import SourceError, convert, load_rows, mirror_path, record_kind, source_name

MIRROR = "resources/hub-mirror"

# converter -> (download spec as config/small.yaml gives it, records expected)
SPECS = {
    "daring_anteater": ({"repo": "nvidia/Daring-Anteater", "revision": "mirror", "split": "train"}, 40),
    "helpsteer2": ({"repo": "nvidia/HelpSteer2", "revision": "mirror", "split": "train"}, 60),
    "lima": ({"repo": "GAIR/lima", "revision": "mirror", "split": "test", "data_files": "test.jsonl"}, 12),
    "mtbench": ({"repo": "HuggingFaceH4/mt_bench_prompts", "revision": "mirror", "split": "train"}, 8),
    "arena_hard": ({"repo": "lmarena-ai/arena-hard-auto-v0.1", "revision": "mirror", "split": "train"}, 10),
    "alpaca": ({"repo": "tatsu-lab/alpaca_eval", "revision": "mirror", "split": "eval",
                "data_files": "alpaca_eval.json"}, 16),
    "alpaca_reference": ({"repo": "tatsu-lab/alpaca_eval", "revision": "mirror", "split": "eval",
                          "data_files": "alpaca_eval_gpt4_baseline.json"}, 16),
    "rewardbench": ({"repo": "allenai/reward-bench", "revision": "mirror", "split": "filtered"}, 24),
    "sr": ({"local_path": f"{MIRROR}/local/self_rewarding_eval.jsonl"}, 10),
}  # fmt: skip


@pytest.fixture
def in_repo(repo_root, monkeypatch):
    """Run from the repository root, as the workflow does, so the mirror's relative path resolves."""
    monkeypatch.chdir(repo_root)
    return repo_root


def mirror_spec(converter: str, mirror: str = MIRROR) -> dict:
    return {**SPECS[converter][0], "hub_mirror": mirror}


def test_mirror_regenerates_byte_identically(repo_root, tmp_path):
    write_mirror(tmp_path)
    shipped = repo_root / MIRROR
    expected = sorted([f.path for f in FILES] + [MANIFEST])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == expected
    assert sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()) == expected
    for path in expected:
        assert (tmp_path / path).read_bytes() == (shipped / path).read_bytes(), f"{path} differs on regeneration"


def test_manifest_hashes_and_sizes_match_the_shipped_files(repo_root):
    root = repo_root / MIRROR
    manifest = json.loads((root / MANIFEST).read_text())
    assert set(manifest["files"]) == {f.path for f in FILES}
    total = 0
    for path, entry in manifest["files"].items():
        data = (root / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"], path
        reader = entry["imitates"]["converter"]  # a converter, or the lm-eval task that reads the file
        assert (reader in SPECS or reader.startswith("lmeval:")) and entry["imitates"]["file"]
        total += len(data)
    assert total < 256_000  # committed with the code: stays small


@pytest.mark.parametrize("converter", sorted(SPECS))
def test_every_converter_reads_its_mirror_file(in_repo, tmp_path, converter):
    spec = mirror_spec(converter)
    records = convert(converter, load_rows(spec), source=source_name(spec))
    out = tmp_path / f"{converter}.jsonl"
    write_jsonl(out, records, record_kind(converter))
    assert len(read_jsonl(out, record_kind(converter))) == SPECS[converter][1]


def test_mirror_rows_have_the_originals_fields(in_repo):
    rows = {c: load_rows(mirror_spec(c)) for c in SPECS}
    for row in rows["daring_anteater"]:
        assert set(row) == {"system", "mask", "dataset", "conversations"} and row["mask"] == "User"
        assert [t["from"] for t in row["conversations"]] == ["User", "Assistant"] * (len(row["conversations"]) // 2)
    assert any(len(r["conversations"]) == 4 for r in rows["daring_anteater"])  # multi-turn rows exist
    attributes = {"helpfulness", "correctness", "coherence", "complexity", "verbosity"}
    for row in rows["helpsteer2"]:
        assert set(row) == {"prompt", "response"} | attributes
        assert all(isinstance(row[a], int) and 0 <= row[a] <= 4 for a in attributes)
    assert all(set(r) == {"conversations", "source"} and len(r["conversations"]) == 1 for r in rows["lima"])
    for row in rows["mtbench"]:
        assert set(row) == {"prompt", "prompt_id", "category", "reference"} and len(row["prompt"]) == 2
        assert row["prompt_id"] == mt_bench_prompt_id(row["prompt"])  # the hub dataset's own id rule
    assert len({r["category"] for r in rows["mtbench"]}) == 8
    for row in rows["arena_hard"]:
        assert set(row) == {"question_id", "category", "cluster", "turns"} and row["category"] == "arena-hard-v0.1"
        assert len(row["question_id"]) == 32 and set(row["turns"][0]) == {"content"}
    reference = rows["alpaca_reference"]
    assert [r["instruction"] for r in rows["alpaca"]] == [r["instruction"] for r in reference]  # line up by position
    assert {r["generator"] for r in rows["alpaca"]} == {"text_davinci_003"}
    assert {r["generator"] for r in reference} == {"gpt4_turbo"}
    assert all(set(r) == {"instruction", "output", "generator", "dataset"} for r in rows["alpaca"] + reference)
    pairs = rows["rewardbench"]
    fields = {"prompt", "chosen", "chosen_model", "rejected", "rejected_model", "subset", "id"}
    assert all(set(r) == fields and isinstance(r["id"], int) for r in pairs)
    assert {SECTION_OF[r["subset"]] for r in pairs} == set(SECTIONS)  # all four sections


def test_mtbench_records_keep_both_turns(in_repo):
    rows = load_rows(mirror_spec("mtbench"))
    records = convert("mtbench", rows)
    for row, record in zip(rows, records, strict=True):
        assert record["text"] == row["prompt"][0] and record["turns"] == [row["prompt"][1]]
        assert record["id"] == f"mtbench-{row['prompt_id']}"


def test_helpsteer2_rates_each_prompts_good_answer_above_its_poor_one(in_repo):
    records = convert("helpsteer2", load_rows(mirror_spec("helpsteer2")))
    by_prompt: dict[str, list[int]] = {}
    for record in records:
        by_prompt.setdefault(record["prompt"], []).append(record["score"])
    assert len(by_prompt) == 30 and all(len(s) == 2 and max(s) >= 8 and min(s) <= 5 for s in by_prompt.values())
    assert {r["score"] for r in records} == {0, 3, 5, 8, 10}  # every rescaled level occurs
    assert records[0]["score"] > records[1]["score"] and records[2]["score"] < records[3]["score"]  # order varies


def test_corrupt_mirror_row_names_file_row_and_field(in_repo, tmp_path, capsys):
    mirror = tmp_path / "mirror"
    shutil.copytree(in_repo / MIRROR, mirror)
    path = mirror / "nvidia/HelpSteer2/train.jsonl"
    lines = path.read_text().splitlines()
    row = json.loads(lines[3])
    row["helpfulness"] = "four"
    lines[3] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")
    spec = mirror_spec("helpsteer2", str(mirror))
    with pytest.raises(ValueError, match="content differs from the sha256"):  # the manifest catches the edit
        load_rows(spec)
    (mirror / MANIFEST).unlink()  # a mirror of real downloads has no manifest: the converter catches it
    message = f"{path}, row 3: field 'helpfulness' must be a number from 0 to 4"
    with pytest.raises(SourceError, match=re.escape(message)):
        convert("helpsteer2", load_rows(spec), source=source_name(spec))
    argv = ["download-dataset", "--spec", json.dumps(spec), "--converter", "helpsteer2", "--out", str(tmp_path / "x")]
    assert alma.cli.main(argv) == 2
    assert f"{path}, row 3: field 'helpfulness'" in capsys.readouterr().err


def test_mirror_finds_a_split_as_the_hub_names_it(tmp_path):
    rows = [{"prompt": "p", "response": "r", "helpfulness": 3}]
    folder = tmp_path / "nvidia" / "HelpSteer2"
    folder.mkdir(parents=True)
    (folder / "train.jsonl.gz").write_bytes(gzip.compress(json.dumps(rows[0]).encode() + b"\n"))
    spec = {"repo": "nvidia/HelpSteer2", "revision": None, "split": "train", "hub_mirror": str(tmp_path)}
    assert mirror_path(spec) == folder / "train.jsonl.gz" and load_rows(spec) == rows  # no revision needed
    (folder / "train.jsonl").write_text(json.dumps(rows[0]) + "\n")
    with pytest.raises(ValueError, match="several files hold split 'train'"):
        load_rows(spec)
    with pytest.raises(FileNotFoundError, match="no file for split 'validation'"):
        load_rows({**spec, "split": "validation"})
    with pytest.raises(FileNotFoundError, match="nope.json: not in the hub mirror"):
        load_rows({**spec, "data_files": "nope.json"})
    with pytest.raises(ValueError, match="names hub_mirror but no repo"):
        load_rows({"hub_mirror": str(tmp_path), "split": "train"})
    with pytest.raises(FileNotFoundError, match="hub mirror directory does not exist"):
        load_rows({**spec, "hub_mirror": str(tmp_path / "missing")})
    assert mirror_path({"repo": "nvidia/HelpSteer2"}) is None  # no mirror: the hub path is unchanged


def test_download_dataset_reads_the_mirror_in_a_subprocess(repo_root, tmp_path):
    out = tmp_path / "mtbench.jsonl"
    spec = json.dumps(mirror_spec("mtbench"))
    cmd = [sys.executable, "-m", "alma.cli", "download-dataset", "--spec", spec, "--converter", "mtbench",
           "--out", str(out), "--size", "5", "--seed", "0"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    result = subprocess.run(cmd, cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    records = read_jsonl(out, "eval_prompt")
    assert len(records) == 5 and all(len(r["turns"]) == 1 for r in records)
    assert "stands for HuggingFaceH4/mt_bench_prompts@mirror" in result.stderr
