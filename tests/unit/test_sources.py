"""Hub-dataset converters on a few rows in each hub schema (tests/fixtures/sources), plus loading rules."""

import json

import pytest

import alma.cli
from alma.records import read_jsonl, validate_record
from alma.sources import SourceError, convert, load_rows, record_kind, subset

FIXTURES = {
    "daring_anteater": "daring_anteater.jsonl",
    "helpsteer2": "helpsteer2.jsonl",
    "lima": "lima_test.jsonl",
    "mtbench": "mt_bench_prompts.jsonl",
    "arena_hard": "arena_hard_questions.jsonl",
    "alpaca": "alpaca_eval.json",
    "sr": "sr_prompts.jsonl",
    "alpaca_reference": "alpaca_eval.json",
}


@pytest.fixture
def main(monkeypatch):
    """``alma.cli.main`` with the external commands registered (until the lead's COMMAND_MODULES lists them)."""
    if "alma.commands.external" not in alma.cli.COMMAND_MODULES:
        monkeypatch.setattr(alma.cli, "COMMAND_MODULES", (*alma.cli.COMMAND_MODULES, "alma.commands.external"))
    return alma.cli.main


@pytest.fixture
def fixtures(repo_root):
    return repo_root / "tests" / "fixtures" / "sources"


@pytest.mark.parametrize("converter", sorted(FIXTURES))
def test_every_converter_yields_valid_records(fixtures, converter):
    rows = load_rows({"local_path": str(fixtures / FIXTURES[converter])})
    records = convert(converter, rows)
    assert len(records) == len(rows)
    for record in records:
        validate_record(record, record_kind(converter))


def test_converters_pick_the_right_fields(fixtures):
    sft = convert("daring_anteater", load_rows({"local_path": str(fixtures / "daring_anteater.jsonl")}))
    assert sft[1] == {"id": "daring-anteater-1", "prompt": "What is 12 times 13?", "response": "12 times 13 is 156."}
    judged = convert("helpsteer2", load_rows({"local_path": str(fixtures / "helpsteer2.jsonl")}))
    # helpfulness 4, 2, 1, 3, 0 -> x2.5 rounded half up (1 -> 3 mirrors 3 -> 8)
    assert [r["score"] for r in judged] == [10, 5, 3, 8, 0]
    mt = convert("mtbench", load_rows({"local_path": str(fixtures / "mt_bench_prompts.jsonl")}))
    assert (
        mt[1]["id"] == "mtbench-111" and mt[1]["turns"] == ["Now solve 2x - 7 = 11."] and mt[1]["category"] == "math"
    )
    arena = convert("arena_hard", load_rows({"local_path": str(fixtures / "arena_hard_questions.jsonl")}))
    assert arena[0]["id"] == "arena-hard-0a1b2c3d4e5f6071" and arena[0]["category"] == "Python Coding Challenges"
    lima = convert("lima", load_rows({"local_path": str(fixtures / "lima_test.jsonl")}), benchmark="lima300")
    assert lima[2]["text"].startswith("What are the pros") and {r["benchmark"] for r in lima} == {"lima300"}
    sr = convert("sr", load_rows({"local_path": str(fixtures / "sr_prompts.jsonl")}))
    assert sr[1] == {
        "id": "sr-1",
        "text": "How can I improve my sleep schedule?",
        "category": "advice",
        "benchmark": "sr",
    }


def test_alpaca_subset_lines_up_with_its_reference_outputs(fixtures):
    rows = load_rows({"local_path": str(fixtures / "alpaca_eval.json")})
    prompts = subset(convert("alpaca", rows), 5, seed=3)
    refs = subset(convert("alpaca_reference", rows), 5, seed=3)
    assert [p["id"] for p in prompts] == [r["prompt_id"] for r in refs]
    assert [p["dataset_index"] for p in prompts] == sorted(p["dataset_index"] for p in prompts)  # original order kept
    assert subset(prompts, None, 0) == prompts and len(subset(convert("alpaca", rows), 50, 0)) == len(rows)


def test_unreadable_rows_name_source_row_and_field():
    with pytest.raises(SourceError, match=r"hs2\.jsonl, row 1: field 'helpfulness' must be a number from 0 to 4"):
        convert("helpsteer2", [{"prompt": "p", "response": "r", "helpfulness": 2}, {"prompt": "p", "response": "r"}],
                source="hs2.jsonl")  # fmt: skip
    with pytest.raises(SourceError, match=r"row 0: field 'conversations' has no User turn followed by an Assistant"):
        convert("daring_anteater", [{"conversations": [{"from": "Assistant", "value": "hi"}]}])
    with pytest.raises(SourceError, match=r"row 0: field 'turns' is missing"):
        convert("arena_hard", [{"question_id": "x"}])
    with pytest.raises(SourceError, match="'sr-0' occurs more than once"):
        convert("sr", [{"prompt": "a"}, {"prompt": "b", "id": "sr-0"}])
    with pytest.raises(ValueError, match="unknown converter"):
        convert("nope", [])


def test_load_rows_reads_parquet_and_refuses_unpinned_hub_downloads(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([{"prompt": "hello there"}]), path)
    assert load_rows({"local_path": str(path), "repo": "x/y"}) == [{"prompt": "hello there"}]
    with pytest.raises(ValueError, match="nvidia/HelpSteer2: no revision given"):
        load_rows({"repo": "nvidia/HelpSteer2", "revision": None, "split": "train"})
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        load_rows({"local_path": str(tmp_path / "missing.jsonl")})

    # The hub itself is unreachable here: check what would be asked of it.
    import datasets

    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append((a, k)) or [{"prompt": "p"}])
    load_rows(
        {"repo": "nvidia/HelpSteer2", "revision": "abc123", "split": "train", "local_path": str(tmp_path / "no")}
    )
    load_rows({"repo": "GAIR/lima", "revision": "def456", "split": "test", "data_files": "test.jsonl"})
    assert calls[0] == (("nvidia/HelpSteer2", None), {"revision": "abc123", "split": "train"})
    assert calls[1] == (
        ("json",),
        {"data_files": {"test": "hf://datasets/GAIR/lima@def456/test.jsonl"}, "split": "test"},
    )


def test_download_dataset_command(main, fixtures, tmp_path):
    out = tmp_path / "alpaca.jsonl"
    spec = json.dumps({"local_path": str(fixtures / "alpaca_eval.json")})
    argv = ["download-dataset", "--spec", spec, "--converter", "alpaca", "--out", str(out)]
    argv += ["--size", "4", "--seed", "1"]
    assert main(argv) == 0
    records = read_jsonl(out, "eval_prompt")
    assert len(records) == 4 and {r["benchmark"] for r in records} == {"alpaca"}
    assert main(["download-dataset", "--spec", json.dumps({"repo": "a/b"}), "--converter", "sr", "--out",
                 str(tmp_path / "x.jsonl")]) == 2  # fmt: skip
