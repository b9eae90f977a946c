"""AlpacaEval 2.0 win rates through the alpaca-eval package's own Python API.

Two annotators, same code path (``alpaca_eval.evaluate``):

- paper scale: the official ``weighted_alpaca_eval_gpt4_turbo`` annotator (GPT-4 Turbo through the
  OpenAI API) and the official length-controlled metric (``length_controlled_v1``, which downloads
  the per-instruction difficulties ``df_gamed.csv`` from the hub). The paper evaluates a 600-prompt
  subset of the 805, so annotations are re-indexed to each instruction's position in the 805
  (``dataset_index``) before the metric looks difficulties up by index.
- offline / mini: a local judge ``prefer(instruction, output_1, output_2) -> 1 | 2`` (0: a tie,
  scored as a draw) injected as ``fn_completions``, and alpaca-eval's own ``length_controlled_minimal``
  GLM (no difficulty term) with the difficulty download patched to a local dummy file. This LC
  variant is the only meaningful one for a prompt set other than the official 805.
- served (small CPU config): the official annotator config, unchanged and through alpaca-eval's own
  OpenAI decoder and ``logprob_parser``, but answered by a local model behind ``alma serve-openai``
  (``base_url``). Its preferences are not GPT-4 Turbo's, so the LC metric is the offline one above, and
  its annotation cache lives in a directory named after the served model.

alpaca-eval caches annotations NEXT TO the annotator's ``configs.yaml``; the config directory is
therefore always copied under ``output_dir`` first, so nothing is written into the installed
package and a rerun reuses the cache. The GLM weights are not saved (they would also land in the
package by default).
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from alma.records import sha256_text

log = logging.getLogger(__name__)

OFFICIAL_ANNOTATOR = "weighted_alpaca_eval_gpt4_turbo"
# Markers the local prompt template wraps around each field, to split the rendered prompt back into fields
# (alpaca-eval may swap output_1 and output_2 before rendering, so the judge must read them from the prompt).
_I, _A, _B = "\x1eALMA_INSTRUCTION\x1e", "\x1eALMA_OUTPUT_1\x1e", "\x1eALMA_OUTPUT_2\x1e"
_LOCAL_CONFIG = """{name}:
  prompt_template: "{name}/prompt.txt"
  completion_parser_kwargs:
    outputs_to_match:
      1.0: '^1$'
      2.0: '^2$'
      1.5: '^0$'
  batch_size: 1
"""

Prefer = Callable[[str, str, str], int]


def _annotator_class():
    """alpaca-eval's PairwiseAnnotator, with its annotation cache reloaded with float preferences.

    Under pandas 3, ``pd.read_json`` turns an all-integral ``preference`` column (1.0/2.0) into int64,
    and alpaca-eval 0.6.6 then fails writing 1.5 (a draw) into it: a rerun over a cache would crash.
    """
    from alpaca_eval.annotators import PairwiseAnnotator

    class FloatCachePairwiseAnnotator(PairwiseAnnotator):
        def load_(self, path=None):
            super().load_(path)
            df = getattr(self, "df_annotations", None)
            if df is not None and self.annotation_key in df.columns:
                df[self.annotation_key] = df[self.annotation_key].astype(float)

    return FloatCachePairwiseAnnotator


def _copy_official_config(name: str, dest: Path) -> Path:
    """Copy an official annotator config (and the directory of its prompt template) under ``dest``."""
    import yaml
    from alpaca_eval import constants

    source_root = Path(constants.EVALUATORS_CONFIG_DIR)
    config_dir = source_root / name
    if not (config_dir / "configs.yaml").exists():
        raise ValueError(f"unknown alpaca-eval annotator config {name!r} (looked in {source_root})")
    dirs = {name}
    for entry in (yaml.safe_load((config_dir / "configs.yaml").read_text()) or {}).values():
        template = (entry or {}).get("prompt_template")
        if template:
            dirs.add(Path(template).parts[0])  # templates are relative to the configs' parent directory
    for d in sorted(dirs):
        if not (dest / d).exists():
            shutil.copytree(source_root / d, dest / d, ignore=shutil.ignore_patterns("annotations_*.json"))
    return dest / name


def _write_local_config(dest: Path, judge_id: str) -> Path:
    """A config for the injected judge, named after ``judge_id``: its annotation cache is only reused by that judge."""
    name = "alma_local_" + sha256_text(judge_id)[:12]
    config_dir = dest / name
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configs.yaml").write_text(_LOCAL_CONFIG.format(name=name))
    (config_dir / "prompt.txt").write_text(f"{_I}{{instruction}}{_A}{{output_1}}{_B}{{output_2}}")
    return config_dir


def _completions_from(prefer: Prefer, calls: list[int]) -> Callable[..., dict[str, list]]:
    """Wrap ``prefer`` as an alpaca-eval ``fn_completions``: rendered prompts in, "1"/"2"/"0" completions out.

    ``calls[0]`` counts the pairs actually sent to the judge (alpaca-eval skips cached ones).
    """

    def fn_completions(prompts: Sequence[str], **_: Any) -> dict[str, list]:
        calls[0] += len(prompts)
        completions = []
        for prompt in prompts:
            instruction, rest = prompt.split(_I, 1)[1].split(_A, 1)
            output_1, output_2 = rest.split(_B, 1)
            choice = prefer(instruction, output_1, output_2)
            if choice not in (0, 1, 2):
                raise ValueError(f"the local judge must return 1, 2 or 0 (a tie), got {choice!r}")
            completions.append(str(choice))
        zeros = [0.0] * len(prompts)
        return {"completions": completions, "price_per_example": zeros, "time_per_example": zeros}

    return fn_completions


def _lc_minimal(scratch: Path) -> Callable[..., dict[str, float]]:
    """alpaca-eval's LC metric with the ``length_controlled_minimal`` GLM; the hub download is a local dummy."""
    import pandas as pd
    from alpaca_eval.metrics import glm_winrate

    def metric(annotations, **_: Any) -> dict[str, float]:
        df = annotations if isinstance(annotations, pd.DataFrame) else pd.DataFrame(annotations)
        n = len(df.reset_index())
        dummy = scratch / "instruction_difficulty_dummy.csv"
        # The minimal formula has no difficulty term; the file only has to exist with one row per index.
        pd.DataFrame({"model": "none", "index": range(n), "instruction_difficulty": 0.0}).to_csv(dummy, index=False)
        with mock.patch.object(glm_winrate, "hf_hub_download", lambda **_: str(dummy)):
            return glm_winrate.get_length_controlled_winrate(
                annotations, glm_name="length_controlled_minimal", save_weights_dir=None
            )

    return metric


def _lc_official(index_of: dict[str, int]) -> Callable[..., dict[str, float]]:
    """The official LC metric, with annotations indexed by each instruction's position among the 805."""
    import pandas as pd
    from alpaca_eval.metrics import glm_winrate

    def metric(annotations, **_: Any) -> dict[str, float]:
        df = annotations if isinstance(annotations, pd.DataFrame) else pd.DataFrame(annotations)
        df = df.copy()
        df.index = [index_of[i] for i in df["instruction"]]
        return glm_winrate.get_length_controlled_winrate(df, glm_name="length_controlled_v1", save_weights_dir=None)

    return metric


def _client_config(base_url: str, dest: Path) -> Path:
    """An alpaca-eval OpenAI client config (``client_configs/README.md``) sending every model to ``base_url``.

    It is handed to alpaca-eval's decoder per call (``client_config_path``): the ``OPENAI_*`` environment
    variables would only count if set before alpaca-eval is imported (it reads them at import time).
    The local server accepts any key; a placeholder fills the header and no real key is involved.
    """
    import yaml

    path = dest / "openai_local_client.yaml"
    path.write_text(yaml.safe_dump({"default": [{"api_key": "local-placeholder", "base_url": base_url}]}))
    return path


def _frame(records: Sequence[dict[str, Any]], generator: str) -> list[dict[str, str]]:
    return [{"instruction": r["instruction"], "output": r["output"], "generator": r.get("generator") or generator,
             "dataset": r.get("dataset") or "alma"} for r in records]  # fmt: skip


def run_alpacaeval(
    model_outputs: list[dict[str, Any]],
    reference_outputs: list[dict[str, Any]],
    annotator: str | Prefer,
    output_dir: str | Path,
    model_name: str,
    judge_id: str = "local-judge",
    base_url: str | None = None,
) -> dict[str, Any]:
    """AlpacaEval 2.0 win rate and length-controlled win rate of a model against reference outputs.

    Args:
        model_outputs: ``{"instruction", "output", "dataset_index"?}`` per prompt. ``dataset_index`` (the
            position among AlpacaEval's 805) is needed by the official LC metric; it defaults to the row order.
        reference_outputs: ``{"instruction", "output", "generator"?}`` for the same instructions.
        annotator: an alpaca-eval annotator config name (paper scale: ``weighted_alpaca_eval_gpt4_turbo``,
            needs ``OPENAI_API_KEY``), or a local judge ``prefer(instruction, output_1, output_2) -> 1|2``
            (0: a tie, scored as a draw).
        output_dir: receives the copied annotator config with its annotation cache, ``leaderboard.csv``
            and ``annotations.json``.
        model_name: generator name of the model.
        judge_id: identity of a local judge (e.g. its model hash); annotations cached under ``output_dir``
            are reused only by the same judge id, so a changed judge never sees stale preferences.
        base_url: an OpenAI-compatible endpoint (``alma serve-openai``) answering an annotator config's
            requests instead of OpenAI; ``judge_id`` then names the served model (annotator ``<config>@<id>``).

    Returns:
        ``win_rate``, ``length_controlled_winrate``, ``standard_error``, ``lc_standard_error``, ``n_total``,
        ``n_wins``, ``n_wins_base``, ``n_draws``, ``discrete_win_rate``, ``avg_length`` (numbers; win rates
        in percent), plus ``annotator`` and ``lc_glm``.
    """
    with warnings.catch_warnings():
        # alpaca-eval 0.6.6 imports pkg_resources and fits its GLM with scikit-learn arguments deprecated in 1.8;
        # both warn on every run and neither is actionable here.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
        with tempfile.TemporaryDirectory(prefix="alma-alpacaeval-") as tmp:
            kwargs = {"client_config_path": str(_client_config(base_url, Path(tmp)))} if base_url else None
            return _run(model_outputs, reference_outputs, annotator, Path(output_dir).resolve(), model_name,
                        judge_id, kwargs)  # fmt: skip


def _run(
    model_outputs: list[dict[str, Any]],
    reference_outputs: list[dict[str, Any]],
    annotator: str | Prefer,
    out: Path,
    model_name: str,
    judge_id: str,
    annotation_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """:func:`run_alpacaeval` without the warning filters; ``annotation_kwargs`` (a served annotator) reach its decoder."""
    if len(model_outputs) != len(reference_outputs):
        raise ValueError(f"{len(model_outputs)} model outputs but {len(reference_outputs)} reference outputs")
    if [m["instruction"] for m in model_outputs] != [r["instruction"] for r in reference_outputs]:
        raise ValueError("model and reference outputs are not aligned on the same instructions")
    configs = out / "annotator_configs"
    configs.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    calls = [0]
    if callable(annotator):
        config_dir = _write_local_config(configs, judge_id)
        kwargs["fn_completions"] = _completions_from(annotator, calls)
        metric, glm, annotator_id = _lc_minimal(out), "length_controlled_minimal", judge_id
    elif annotation_kwargs:
        config_dir = _copy_official_config(annotator, configs / f"served_{sha256_text(judge_id)[:12]}")
        kwargs["annotation_kwargs"] = annotation_kwargs
        metric, glm, annotator_id = _lc_minimal(out), "length_controlled_minimal", f"{annotator}@{judge_id}"
    else:
        config_dir = _copy_official_config(annotator, configs)
        index_of = {m["instruction"]: int(m.get("dataset_index", i)) for i, m in enumerate(model_outputs)}
        metric, glm, annotator_id = _lc_official(index_of), "length_controlled_v1", annotator
    # Reference outputs are always given explicitly: alpaca-eval's default would download them from the hub.
    import alpaca_eval

    leaderboard, _ = alpaca_eval.evaluate(
        model_outputs=_frame(model_outputs, model_name), reference_outputs=_frame(reference_outputs, "reference"),
        annotators_config=str(config_dir), name=model_name, output_path=str(out), precomputed_leaderboard=None,
        is_return_instead_of_print=True, fn_metric=metric, sort_by="length_controlled_winrate",
        is_cache_leaderboard=False, Annotator=_annotator_class(), **kwargs,
    )  # fmt: skip
    row = leaderboard.loc[model_name].to_dict()
    # With a local judge every uncached pair goes through fn_completions; with the official annotator
    # alpaca-eval does not say, so the count is left out rather than guessed.
    result: dict[str, Any] = {"annotator": annotator_id, "lc_glm": glm}
    if callable(annotator):
        result["judge_calls"] = calls[0]
        result["cache_hits"] = len(model_outputs) - calls[0]
        log.info("alpaca-eval judge: %d calls, %d cache hits", calls[0], len(model_outputs) - calls[0])
    for key, value in row.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue  # e.g. the leaderboard "mode" column
        result[key] = int(number) if key.startswith("n_") and number.is_integer() else number
    for key in ("win_rate", "length_controlled_winrate"):
        if not math.isfinite(result.get(key, math.nan)):
            log.warning("alpaca-eval returned a non-finite %s for %s", key, model_name)
    return result
