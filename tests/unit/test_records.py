import json

import pytest

from alma.records import RecordError, atomic_path, read_json, read_jsonl, write_json, write_jsonl

PROMPT = {"id": "p1", "text": "What colour is the zibble?", "source": "seed"}


def test_roundtrip_is_byte_stable(tmp_path):
    path = tmp_path / "p.jsonl"
    write_jsonl(path, [PROMPT, {**PROMPT, "id": "p2"}], "prompt")
    first = path.read_bytes()
    write_jsonl(path, read_jsonl(path, "prompt"), "prompt")
    assert path.read_bytes() == first
    assert [r["id"] for r in read_jsonl(path, "prompt")] == ["p1", "p2"]


def test_written_files_follow_the_umask(tmp_path):
    import os
    import stat

    write_json(tmp_path / "a.json", {})
    mode = stat.S_IMODE(os.stat(tmp_path / "a.json").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")

    def records():
        yield PROMPT
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        write_jsonl(path, records(), "prompt")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


@pytest.mark.parametrize(
    ("content", "line", "field", "words"),
    [
        (b'{"id": "p1", "text": "hi there", "source": "seed"}\n{"id": "p2", "te', 2, None, "not valid JSON"),
        (b'{"id": "p1", "text": 5, "source": "seed"}\n', 1, "text", "expected a non-empty string"),
        (b'{"id": "p1", "source": "seed"}\n', 1, "text", "is missing"),
        (b'{"id": "p1", "text": "hi", "source": "web"}\n', 1, "source", "one of seed, synthetic, eval"),
        (b'{"id": "p1", "text": "caf\xe9", "source": "seed"}\n', 1, None, "not valid UTF-8"),
    ],
)
def test_bad_records_name_file_line_and_field(tmp_path, content, line, field, words):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(RecordError) as info:
        read_jsonl(path, "prompt")
    err = info.value
    assert err.path == str(path) and err.line == line and err.field == field
    assert words in str(err) and str(path) in str(err)


def test_score_range_and_empty_file(tmp_path):
    bad = tmp_path / "judge.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "response": "r", "score": 11}) + "\n")
    with pytest.raises(RecordError, match="field 'score'.*0 to 10"):
        read_jsonl(bad, "seed_judgment")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(RecordError, match="contains no seed_sft records"):
        read_jsonl(empty, "seed_sft")
    assert read_jsonl(empty, "seed_sft", allow_empty=True) == []


def test_json_documents(tmp_path):
    write_json(tmp_path / "a.json", {"b": 1, "a": [1, 2]})
    assert read_json(tmp_path / "a.json") == {"a": [1, 2], "b": 1}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(RecordError, match="not valid JSON"):
        read_json(tmp_path / "bad.json")
    with atomic_path(tmp_path / "bin", "wb") as handle:
        handle.write(b"\x00\x01")
    assert (tmp_path / "bin").read_bytes() == b"\x00\x01"
