"""ArmoRM evaluator: RLHFlow/ArmoRM-Llama3-8B-v0.1 rewards, mapped to the paper's 0-10 scale.

ArmoRM is a Llama-3-8B sequence classifier with custom modelling code (a gating network over 19
reward objectives), so it loads with ``trust_remote_code=True``; that flag is only ever passed when
the config sets it for this model (``reward_model.trust_remote_code``), never by default. Its
forward returns an output whose ``score`` is the scalar preference score; a standard one-output
classifier (``logits[:, 0]``) is read the same way. ArmoRM's remote code cannot be fetched offline, so
offline runs and the tests take this path with :mod:`alma.evaluation.armorm_standin`, a tiny model
loaded the same way (``auto_map`` to a modelling file in its directory) with the same output fields.
A directory with its own modelling code is refused without ``trust_remote_code``: transformers would
otherwise fall back to its stock Llama classifier with a freshly initialised head, silently.

The 0-10 map (deviation: the paper reports ArmoRM "on a 0-10 scale" without saying how). ArmoRM's
objectives are regressed onto [0, 1] and the preference score is a gated combination of them, in
practice about 0.05 for useless answers to about 0.2 for strong ones (from published example
outputs; not measured here). :func:`armorm_to_ten` is the clipped affine map sending
:data:`DEFAULT_ANCHORS` (0.05, 0.20) to (0, 10). Because the paper's ArmoRM and GPT-4o columns
agree closely row by row (Instruct 8.41 vs 8.25, base 3.95 vs 4.00), the better calibration is the
least-squares line from ArmoRM rewards to GPT-4o grades of the same answers: :func:`fit_affine_map`
computes it, and its anchors replace the defaults through the config's ``reward_model.anchors``.
Either way the anchors used are recorded in each grade file's protocol.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

ARMORM_REPO = "RLHFlow/ArmoRM-Llama3-8B-v0.1"
AUTO_CLASS = "AutoModelForSequenceClassification"
DEFAULT_ANCHORS = (0.05, 0.20)
"""raw ArmoRM preference scores mapped to 0 and to 10 (see the module docstring)."""


def check_remote_code(model_dir: str | Path, trust_remote_code: bool) -> None:
    """Refuse to load a reward model whose own modelling code would be ignored, or is missing.

    Raises:
        ValueError: ``config.json`` maps the classifier to shipped code (``auto_map``) but
            ``trust_remote_code`` is off, or the named modelling file is not in the directory.
    """
    config_path = Path(model_dir) / "config.json"
    if not config_path.is_file():
        return  # transformers names the missing file itself
    target = json.loads(config_path.read_text(encoding="utf-8")).get("auto_map", {}).get(AUTO_CLASS)
    if not target:
        return
    if not trust_remote_code:
        raise ValueError(
            f"{model_dir}: the reward model ships its own modelling code ({target}); without trust_remote_code "
            "transformers would replace its reward head with a random one. Set reward_model.trust_remote_code: "
            "true in the config (only for a model you trust, such as ArmoRM)"
        )
    module = target.split("--")[-1].rsplit(".", 1)[0]
    if "--" not in target and not (Path(model_dir) / f"{module}.py").is_file():
        raise ValueError(f"{model_dir}: modelling file {module}.py named by config.json auto_map is missing "
                         "(a hub snapshot of a trust_remote_code model needs its *.py files)")  # fmt: skip


def _load(model_dir: str | Path, trust_remote_code: bool):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    check_remote_code(model_dir, trust_remote_code)
    cuda = torch.cuda.is_available()
    tok = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=trust_remote_code)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir, dtype=torch.bfloat16 if cuda else torch.float32, trust_remote_code=trust_remote_code
    )
    return model.to("cuda" if cuda else "cpu").eval(), tok


def _raw(output) -> list[float]:
    """The scalar reward of each row: ArmoRM's ``score``, else a one-output classifier's logit."""
    score = getattr(output, "score", None)
    if score is None:
        score = output.logits[:, 0]
    return score.reshape(-1).float().tolist()


def armorm_scores(
    model_dir: str | Path,
    prompts: Sequence[str],
    answers: Sequence[str],
    batch_size: int = 8,
    trust_remote_code: bool = False,
    max_length: int | None = None,
) -> list[float]:
    """Raw ArmoRM preference scores of single-turn (prompt, answer) pairs.

    Args:
        model_dir: local snapshot of ArmoRM (or any HF sequence classifier with one output and a chat template).
        prompts: user messages.
        answers: assistant messages aligned with ``prompts``.
        batch_size: conversations per forward pass. Padded batches need a pad token distinct from every
            token of the chat format (ArmoRM finds the last real token and the prompt boundary by token
            id); without one, pairs are scored one at a time, unpadded, as ArmoRM's model card does.
        trust_remote_code: load the repository's own modelling code; set it only for ArmoRM, from the config.
        max_length: tokens kept per conversation (from the left, so the answer's end survives); default
            the model's context length.

    Returns:
        One raw score per pair (higher is better).
    """
    if len(prompts) != len(answers):
        raise ValueError(f"{len(prompts)} prompts but {len(answers)} answers")
    conversations = [[{"role": "user", "content": p}, {"role": "assistant", "content": a}]
                     for p, a in zip(prompts, answers, strict=True)]  # fmt: skip
    return armorm_conversation_scores(model_dir, conversations, batch_size, trust_remote_code, max_length)


def armorm_conversation_scores(
    model_dir: str | Path,
    conversations: Sequence[Sequence[dict]],
    batch_size: int = 8,
    trust_remote_code: bool = False,
    max_length: int | None = None,
) -> list[float]:
    """Raw ArmoRM preference scores of conversations, each ending with the scored assistant turn.

    A multi-turn conversation (MT-Bench's second turn) is scored whole, as ArmoRM scores any
    conversation: the reward is read at its last token. Arguments as for :func:`armorm_scores`.
    """
    import torch

    model, tok = _load(model_dir, trust_remote_code)
    texts = [tok.apply_chat_template(list(c), tokenize=False) for c in conversations]
    limit = max_length or getattr(model.config, "max_position_embeddings", None) or tok.model_max_length
    pad_ok = tok.pad_token_id is not None and tok.pad_token_id not in {tok.eos_token_id, tok.bos_token_id}
    step = batch_size if pad_ok else 1
    if pad_ok:
        model.config.pad_token_id = tok.pad_token_id  # the classifier locates each row's last token by it
    tok.padding_side, tok.truncation_side = "right", "left"
    scores: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(texts), step):
            # The chat template already wrote the BOS; adding special tokens again would double it.
            enc = tok(texts[i : i + step], return_tensors="pt", padding=pad_ok, truncation=True, max_length=limit,
                      add_special_tokens=False).to(model.device)  # fmt: skip
            scores.extend(_raw(model(**enc)))
    return scores


def armorm_to_ten(raw: float | Sequence[float], anchors: tuple[float, float] = DEFAULT_ANCHORS) -> float | list[float]:
    """Map raw ArmoRM scores to 0-10 through ``anchors``, with the one reward-to-0-10 map of the project.

    Args:
        raw: one raw score or a sequence of them.
        anchors: ``(raw score mapped to 0, raw score mapped to 10)``.

    Returns:
        The mapped score (or list of scores): :func:`alma.evaluation.reward_model.to_ten_point`.
    """
    from alma.evaluation.reward_model import to_ten_point

    low, high = anchors
    if high <= low:
        raise ValueError(f"anchors must increase, got {anchors}")
    if isinstance(raw, int | float):
        return to_ten_point([float(raw)], low, high)[0]
    return to_ten_point([float(x) for x in raw], low, high)


def fit_affine_map(raw: Sequence[float], reference: Sequence[float | None]) -> tuple[float, float]:
    """Least-squares anchors from raw ArmoRM scores to reference 0-10 grades (e.g. GPT-4o) of the same answers.

    Args:
        raw: raw ArmoRM scores.
        reference: reference grades aligned with ``raw``; None entries are skipped.

    Returns:
        ``(raw at 0, raw at 10)``, ready for :func:`armorm_to_ten`.
    """
    pairs = [(float(x), float(y)) for x, y in zip(raw, reference, strict=True) if y is not None]
    if len(pairs) < 2:
        raise ValueError("need at least two graded answers to fit the ArmoRM map")
    n = len(pairs)
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    if sxx == 0 or sxy <= 0:
        raise ValueError("ArmoRM scores do not increase with the reference grades; cannot fit a map")
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    return (-intercept / slope, (10.0 - intercept) / slope)
