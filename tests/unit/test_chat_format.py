"""A base model without a chat format gets one it can be trained and sampled in (alma.chat_format)."""

from __future__ import annotations

import json
import shutil

import pytest

from alma.chat_format import CHAT_FORMATS, apply_chat_format, check_chat_format

LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]


@pytest.fixture()
def llama3_like_base(tiny_model_dir, tmp_path):
    """A tiny model whose tokenizer has Llama-3's special tokens, eos <|end_of_text|> and no chat template,
    as Meta-Llama-3-8B (base) ships."""
    from transformers import AutoTokenizer

    out = tmp_path / "base"
    shutil.copytree(tiny_model_dir, out)
    (out / "chat_template.jinja").unlink(missing_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(out)
    tokenizer.add_special_tokens({"additional_special_tokens": LLAMA3_SPECIALS})
    tokenizer.eos_token = "<|end_of_text|>"
    tokenizer.bos_token = "<|begin_of_text|>"
    tokenizer.pad_token = None
    tokenizer.chat_template = None
    tokenizer.save_pretrained(out)
    config = json.loads((out / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    config.pop("pad_token", None)
    (out / "tokenizer_config.json").write_text(json.dumps(config))
    (out / "chat_template.jinja").unlink(missing_ok=True)
    return out


def test_a_base_without_template_is_refused_with_the_key_to_set(llama3_like_base):
    with pytest.raises(ValueError, match="base_model.chat_template"):
        check_chat_format(llama3_like_base)


def test_llama3_format_trains_on_answers_only_and_stops_at_eot(llama3_like_base):
    from transformers import AutoTokenizer, GenerationConfig

    applied = apply_chat_format(llama3_like_base, "llama3")
    check_chat_format(llama3_like_base)
    tokenizer = AutoTokenizer.from_pretrained(llama3_like_base)
    assert tokenizer.eos_token == "<|eot_id|>"
    assert tokenizer.pad_token == "<|end_of_text|>"  # distinct from eos: padding never hides the turn end
    chat = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]
    encoded = tokenizer.apply_chat_template(chat, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    trained = [t for t, m in zip(encoded["input_ids"], encoded["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(trained) == "Blue.<|eot_id|>"
    rendered = tokenizer.apply_chat_template(chat[:1], tokenize=False, add_generation_prompt=True)
    assert rendered == (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nName a colour.<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    ends = GenerationConfig.from_pretrained(llama3_like_base).eos_token_id
    assert set(ends) == {
        tokenizer.convert_tokens_to_ids("<|eot_id|>"),
        tokenizer.convert_tokens_to_ids("<|end_of_text|>"),
    }
    assert applied["generation_eos_token_ids"] == sorted(ends)


def test_a_format_whose_tokens_the_tokenizer_lacks_is_refused(tiny_model_dir, tmp_path):
    out = tmp_path / "m"
    shutil.copytree(tiny_model_dir, out)
    with pytest.raises(ValueError, match="<\\|eot_id\\|>"):
        apply_chat_format(out, "llama3")


def test_a_template_whose_eos_does_not_close_the_answer_is_refused(llama3_like_base):
    apply_chat_format(llama3_like_base, "llama3")
    config = json.loads((llama3_like_base / "tokenizer_config.json").read_text())
    config["eos_token"] = "<|end_of_text|>"  # Llama-3 base's own eos: ends documents, never a chat turn
    (llama3_like_base / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="does not close an assistant turn"):
        check_chat_format(llama3_like_base)


def test_every_format_marks_the_answer(tiny_model_dir):
    for name, chat in CHAT_FORMATS.items():
        assert "{% generation %}" in chat.template and chat.turn_end in chat.template, name
