"""Chat formats for base models that have none, and the end-of-turn token that goes with them.

A pretrained base model (Llama-3-8B, the paper's M0) ships a tokenizer but no chat template, and its
end-of-sequence token ends a *document* (``<|end_of_text|>``), not an assistant turn. ALMA trains it
on chat data, so before anything else the harness gives it an explicit format:

- a chat template with ``{% generation %}`` markers around every assistant turn, which TRL's
  ``assistant_only_loss`` needs to train on the answers only (Meta's own Llama-3-Instruct template
  has no markers, so it cannot be used for that as it ships);
- the token that closes an assistant turn (``<|eot_id|>`` for Llama-3) as the tokenizer's
  ``eos_token``, so training teaches the model to emit it and sampling stops there;
- every end token in ``generation_config.eos_token_id`` (turn end and document end), so a model that
  never learnt to close a turn still stops at the end of a document.

:data:`CHAT_FORMATS` names the formats; :func:`apply_chat_format` writes one into a model directory
and :func:`check_chat_format` refuses a directory whose template cannot train or stop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from alma.records import atomic_path, write_json


@dataclass(frozen=True)
class ChatFormat:
    """A chat template with generation markers and the special tokens it relies on."""

    template: str
    """Jinja chat template; assistant content inside ``{% generation %}`` ... ``{% endgeneration %}``."""
    turn_end: str
    """The token that closes every turn: the tokenizer's eos for training and sampling."""
    bos: str | None
    """Token the template starts with (``None``: the template adds none)."""


LLAMA3 = ChatFormat(
    # Meta's Llama-3-Instruct layout (header tokens, blank line, content, <|eot_id|>), with markers.
    template=(
        "{{ bos_token }}{% for m in messages %}"
        "{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n' }}"
        "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] | trim + '<|eot_id|>' }}{% endgeneration %}"
        "{% else %}{{ m['content'] | trim + '<|eot_id|>' }}{% endif %}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
    ),
    turn_end="<|eot_id|>",
    bos="<|begin_of_text|>",
)

CHATML = ChatFormat(
    # SmolLM2's and Qwen's layout, with markers; the newline after <|im_end|> stays outside the loss.
    template=(
        "{% for m in messages %}"
        "{{ '<|im_start|>' + m['role'] + '\n' }}"
        "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] + '<|im_end|>' }}{% endgeneration %}"
        "{% else %}{{ m['content'] + '<|im_end|>' }}{% endif %}{{ '\n' }}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    turn_end="<|im_end|>",
    bos=None,
)

CHAT_FORMATS = {"llama3": LLAMA3, "chatml": CHATML}
"""Config ``base_model.chat_template`` -> format. ``null`` in the config keeps the model's own."""


def _token_id(tokenizer, token: str, model_dir: Path) -> int:
    ids = tokenizer.convert_tokens_to_ids([token])
    if not ids or ids[0] is None or ids[0] == tokenizer.unk_token_id:
        raise ValueError(f"{model_dir}: the tokenizer has no token {token!r}, which this chat format needs")
    return int(ids[0])


def apply_chat_format(model_dir: str | Path, name: str) -> dict[str, object]:
    """Give a model directory the chat format ``name``: template, eos and generation end tokens.

    Rewrites ``chat_template.jinja``, ``tokenizer_config.json`` (eos, and a pad token when there is
    none) and ``generation_config.json``, each atomically. Returns what was set, for the manifest.
    """
    from transformers import AutoTokenizer, GenerationConfig

    model_dir = Path(model_dir)
    if name not in CHAT_FORMATS:
        raise ValueError(f"unknown chat_template {name!r}; use one of {', '.join(CHAT_FORMATS)} or null")
    chat = CHAT_FORMATS[name]
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    turn_end = _token_id(tokenizer, chat.turn_end, model_dir)
    document_end = tokenizer.eos_token_id
    if chat.bos is not None:
        _token_id(tokenizer, chat.bos, model_dir)
    with atomic_path(model_dir / "chat_template.jinja") as handle:
        handle.write(chat.template)
    config_path = model_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.pop("chat_template", None)  # chat_template.jinja wins; two copies could disagree
    config["eos_token"] = chat.turn_end
    if tokenizer.pad_token is None:
        # A pad token distinct from eos: padding with eos would hide the turn end from the loss mask.
        config["pad_token"] = tokenizer.convert_ids_to_tokens(document_end) if document_end is not None else None
    write_json(config_path, config)
    ends = sorted({turn_end, *([document_end] if document_end is not None else [])})
    try:
        generation = GenerationConfig.from_pretrained(str(model_dir))
    except OSError:
        generation = GenerationConfig()
    generation.eos_token_id = ends
    write_json(model_dir / "generation_config.json", generation.to_diff_dict())
    return {"chat_template": name, "eos_token": chat.turn_end, "generation_eos_token_ids": ends}


def check_chat_format(model_dir: str | Path) -> None:
    """Refuse a model that cannot be trained on chats with answer-only loss or cannot stop a turn.

    Raises:
        ValueError: no chat template, a template without generation markers, or an eos token that the
            template never emits after an assistant turn (sampling would run to max_new_tokens).
    """
    from transformers import AutoTokenizer

    model_dir = Path(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    template = tokenizer.chat_template
    if not template:
        raise ValueError(
            f"{model_dir}: the model has no chat template; set base_model.chat_template "
            f"({', '.join(CHAT_FORMATS)}) in the config"
        )
    if "{% generation %}" not in template.replace("{%- generation %}", "{% generation %}"):
        raise ValueError(
            f"{model_dir}: its chat template has no {{% generation %}} markers, so training cannot mask "
            f"everything but the answers; set base_model.chat_template ({', '.join(CHAT_FORMATS)})"
        )
    probe = "ALMA-PROBE"
    rendered = tokenizer.apply_chat_template(
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": probe}], tokenize=False
    )
    after = rendered.split(probe, 1)[1]
    if not tokenizer.eos_token or not after.startswith(tokenizer.eos_token):
        raise ValueError(
            f"{model_dir}: eos token {tokenizer.eos_token!r} does not close an assistant turn in the chat "
            f"template (it is followed by {after[:24]!r}); sampling would not stop at the end of an answer"
        )
