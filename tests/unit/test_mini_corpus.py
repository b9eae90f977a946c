"""The pretraining corpus (prose only, every fact stated) and the tokenizer / tiny-model recipe."""

from __future__ import annotations

import json
import re

import pytest

from alma.mini.corpus import CHAT_MARKERS, build_corpus
from alma.mini.oracle import normalize, parse_task
from alma.mini.pretrain import SPECIAL_TOKENS, pretrain_base, random_tiny_model, train_tokenizer
from alma.mini.tasks import split_of, task_keys, variants
from alma.mini.universe import build_universe


@pytest.fixture(scope="module")
def universe():
    return build_universe(0)


def all_keys(universe):
    return [k for groups in task_keys(universe).values() for group in groups for k in group]


@pytest.fixture(scope="module")
def corpus(universe):
    return build_corpus(universe, seed=0)


def test_corpus_never_contains_chat_markers_or_answered_questions(universe, corpus):
    sheets = [doc for doc in corpus if "?" in doc or "\n" in doc]
    assert 0.02 < len(sheets) / len(corpus) < 0.2
    references = {t.reference for k in all_keys(universe) for t in variants(universe, k)}
    for doc in corpus:
        assert not any(marker in doc for marker in CHAT_MARKERS), doc
    for doc in sheets:  # question sheets: numbered questions only, never an answer
        items = [line for line in doc.split("\n") if re.match(r"\d+\. ", line)]
        assert len(items) >= 3 and len(doc.split("\n")) - len(items) <= 1, doc
        assert not any(ref in doc for ref in references), doc
    assert set(CHAT_MARKERS) >= {"<|user|>", "<|assistant|>", "<|end|>", "<|system|>", "Request:", "Answer:"}


def test_question_sheets_never_show_an_evaluation_question(universe, corpus):
    held_out = {
        normalize(t.prompt) for k in all_keys(universe) if split_of(k) == "eval" for t in variants(universe, k)
    }
    shown = {normalize(line.split(". ", 1)[1]) for doc in corpus if "\n" in doc for line in doc.split("\n")[1:]}
    assert len(shown) > 300 and not shown & held_out
    assert all(parse_task(universe, q) is not None for q in list(shown)[:200])


def test_corpus_is_deterministic_and_cut_by_n_docs(universe, corpus):
    assert build_corpus(universe, seed=0) == corpus
    assert build_corpus(universe, seed=1) != corpus
    small = build_corpus(universe, seed=0, n_docs=50)
    assert len(small) == 50 and small == build_corpus(universe, seed=0, n_docs=50)


def test_corpus_states_every_fact_many_times(universe, corpus):
    text = "\n".join(corpus)
    for c in universe.creatures:
        assert (
            text.count(f"The {c.name} is {c.colour}.") + text.count(f"The colour of the {c.name} is {c.colour}.") >= 3
        )
        assert text.count(f"The {c.name} lives in {c.home}.") >= 3
    assert text.count("3 plus 9 is 12.") + text.count("9 plus 3 is 12.") >= 3
    assert "The opposite of hot is cold." in text


def test_tokenizer_has_special_tokens_and_marks_assistant_tokens(corpus):
    tok = train_tokenizer(corpus[:200], vocab_size=400)
    assert all(tok.convert_tokens_to_ids(t) != tok.unk_token_id for t in SPECIAL_TOKENS)
    assert tok.eos_token == "<|end|>" and tok.pad_token == "<|pad|>" and tok.bos_token == "<|bos|>"
    chat = [{"role": "user", "content": "What is 2 plus 3?"}, {"role": "assistant", "content": "2 plus 3 is 5."}]
    enc = tok.apply_chat_template(chat, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    marked = [i for i, m in zip(enc["input_ids"], enc["assistant_masks"], strict=True) if m]
    assert tok.decode(marked) == "2 plus 3 is 5.<|end|>"
    assert tok("The zibble.").input_ids[0] == tok.bos_token_id


def test_random_tiny_model_loads_with_fp32_weights(tmp_path):
    import torch
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    random_tiny_model(tmp_path / "tiny", seed=0)
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "tiny")
    tok = AutoTokenizer.from_pretrained(tmp_path / "tiny")
    assert model.dtype == torch.float32 and model.num_parameters() < 500_000
    with safe_open(tmp_path / "tiny" / "model.safetensors", "pt") as f:
        assert all(f.get_tensor(k).dtype == torch.bfloat16 for k in f.keys())  # noqa: SIM118 (safe_open is not a dict)
    out = model.generate(**tok("The zibble", return_tensors="pt"), max_new_tokens=3, do_sample=False)
    assert out.shape[1] > 1


def test_pretrain_base_is_bit_identical_on_rerun(tmp_path):
    shape = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
             "num_key_value_heads": 2}  # fmt: skip
    runs = [pretrain_base(tmp_path / str(i), seed=0, steps=3, vocab_size=300, seq_len=32, batch_size=2, warmup=1,
                          log_every=0, **shape) for i in range(2)]  # fmt: skip
    assert runs[0]["model_sha256"] == runs[1]["model_sha256"]
    saved = json.loads((tmp_path / "0" / "pretrain.json").read_text())
    assert saved["steps"] == 3 and saved["model_sha256"] == runs[0]["model_sha256"]
    for name in (
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "tokenizer.json",
        "chat_template.jinja",
    ):
        assert (tmp_path / "0" / name).exists(), name
