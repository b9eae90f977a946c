"""Round curves: the score of every model on every prompt set, with 95% bootstrap confidence intervals.

Input is one evaluation file per (model, benchmark, evaluator), written by the evaluation rules
(``results/<run>/eval/<model>/<benchmark>/<evaluator>.json``) with per-prompt scores. The per-prompt
scores are the truth: the stored ``mean`` is only cross-checked, so a table can never disagree with
the prompts it claims to summarize.

The curve has one row per (model, benchmark, evaluator) and one ``average`` row per (model, evaluator)
that is the mean of the per-benchmark means, as in the paper's "avg" column. Its interval comes from a
stratified bootstrap: each benchmark is resampled on its own and the resampled means are averaged, so a
large prompt set does not drown a small one (MT-Bench has 80 prompts, Alpaca 600).
"""

from __future__ import annotations

import math
import re
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alma.records import RecordError, atomic_path, read_json

BENCHMARK_ORDER = ("lima", "mtbench", "sr", "arena_hard", "alpaca")
"""Prompt sets in the order of the paper's Table 1."""
AVERAGE = "average"
"""Benchmark name of the mean-over-benchmarks row."""
CURVE_COLUMNS = ("round", "model", "benchmark", "evaluator", "score", "ci_low", "ci_high", "n", "n_missing")
PROTOCOL_KEYS = ("evaluator_id", "template_hash", "prompt_set_sha256")
"""Protocol fields that must agree before two models' scores on one prompt set are comparable."""
MEAN_TOLERANCE = 5e-3
"""How far a file's stored mean may sit from the recomputed one (writers may round to 2 decimals)."""


def round_of(model: str) -> int | None:
    """Round number of a model name: ``base`` is round 0, ``round<k>`` is k, anything else has none.

    Args:
        model: model name as used in the results tree (``base``, ``round3``, ``instruct``, ...).

    Returns:
        The round, or None for comparison models such as ``instruct``.
    """
    if model == "base":
        return 0
    match = re.fullmatch(r"round(\d+)", model)
    return int(match.group(1)) if match else None


def benchmark_rank(benchmark: str) -> tuple[int, str]:
    """Sort key putting ``average`` first, then the paper's order, then unknown sets alphabetically."""
    order = (AVERAGE, *BENCHMARK_ORDER)
    return (order.index(benchmark), "") if benchmark in order else (len(order), benchmark)


def _check_document(doc: Any, path: Path) -> None:
    """Raise :class:`RecordError` naming the file and field when an evaluation file breaks the contract."""
    if not isinstance(doc, dict):
        raise RecordError(path, None, None, "is not a JSON object")
    for key in ("model", "benchmark", "evaluator", "prompt_ids", "scores"):
        if key not in doc:
            raise RecordError(path, None, key, "is missing (required in an evaluation file)")
    n = len(doc["prompt_ids"])
    if len(doc["scores"]) != n:
        raise RecordError(path, None, "scores", f"has {len(doc['scores'])} entries for {n} prompt_ids")
    categories = doc.get("categories")
    if categories is not None and len(categories) != n:
        raise RecordError(path, None, "categories", f"has {len(categories)} entries for {n} prompt_ids")
    for index, score in enumerate(doc["scores"]):
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
        ):
            raise RecordError(path, None, f"scores.{index}", f"got {score!r}; expected a finite number or null")
    valid = [float(s) for s in doc["scores"] if s is not None]
    stored = doc.get("mean")
    if stored is not None and valid and abs(float(stored) - float(np.mean(valid))) > MEAN_TOLERANCE:
        raise RecordError(path, None, "mean", f"is {stored} but the per-prompt scores average {np.mean(valid):.4f}")


def load_evaluations(paths: Sequence[Path]) -> pd.DataFrame:
    """Read evaluation files into one long table, refusing incomparable or duplicated inputs.

    Args:
        paths: evaluation JSON files, one per (model, benchmark, evaluator).

    Returns:
        One row per (model, benchmark, evaluator, prompt) with columns ``model``, ``round`` (Int64:
        base 0, round<k> k, NA for comparison models), ``benchmark``, ``evaluator``, ``prompt_id``,
        ``score`` (float, NaN where the grader's reply was unparsable), ``category`` and ``source``
        (the file, as given).

    Raises:
        ValueError: no files; a malformed file; two files for the same (model, benchmark, evaluator);
            or two files whose protocol (evaluator_id, template_hash, prompt_set_sha256) differs for
            the same (benchmark, evaluator) -- the message names both files.
    """
    if not paths:
        raise ValueError("no evaluation files given")
    frames: list[pd.DataFrame] = []
    owner: dict[tuple[str, str, str], Path] = {}
    protocols: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    for path in map(Path, paths):
        doc = read_json(path)
        _check_document(doc, path)
        key = (doc["model"], doc["benchmark"], doc["evaluator"])
        if key in owner:
            raise ValueError(f"two evaluation files for {'/'.join(key)}: {owner[key]} and {path}")
        owner[key] = path
        protocol = {name: (doc.get("protocol") or {}).get(name) for name in PROTOCOL_KEYS}
        first = protocols.setdefault(key[1:], (path, protocol))
        if first[1] != protocol:
            differing = [name for name in PROTOCOL_KEYS if first[1][name] != protocol[name]]
            detail = "; ".join(f"{name}: {first[1][name]!r} vs {protocol[name]!r}" for name in differing)
            raise ValueError(
                f"evaluation protocol differs for benchmark {key[1]!r}, evaluator {key[2]!r} between "
                f"{first[0]} and {path} ({detail}); their scores are not comparable"
            )
        n = len(doc["prompt_ids"])
        round_number = round_of(doc["model"])
        frames.append(
            pd.DataFrame(
                {
                    "model": [doc["model"]] * n,
                    "round": pd.array([round_number] * n, dtype="Int64"),
                    "benchmark": [doc["benchmark"]] * n,
                    "evaluator": [doc["evaluator"]] * n,
                    "prompt_id": [str(p) for p in doc["prompt_ids"]],
                    "score": np.array([np.nan if s is None else float(s) for s in doc["scores"]], dtype=float),
                    "category": doc.get("categories") or [None] * n,
                    "source": [str(path)] * n,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def derived_seed(seed: int, *key: str) -> int:
    """A seed for one (model, benchmark, evaluator) that does not move when other files are added.

    Python's ``hash`` is salted per process, so the key is hashed with CRC-32 instead.
    """
    return int(np.random.SeedSequence([seed, zlib.crc32("|".join(key).encode())]).generate_state(1)[0])


def bootstrap_means(scores: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement) of the non-missing scores.

    Args:
        scores: shape (n_prompts,), NaN for missing.
        n_boot: number of resamples.
        rng: the generator to draw from.

    Returns:
        Shape (n_boot,); all NaN when no score is present.
    """
    valid = scores[~np.isnan(scores)]
    if valid.size == 0:
        return np.full(n_boot, np.nan)
    means = np.empty(n_boot)
    # Chunks keep the index matrix small at paper scale (10k resamples x 600 prompts).
    chunk = max(1, 2_000_000 // valid.size)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        means[start:stop] = valid[rng.integers(0, valid.size, size=(stop - start, valid.size))].mean(axis=1)
    return means


def _interval(means: np.ndarray, alpha: float) -> tuple[float, float]:
    if means.size == 0 or np.isnan(means).all():
        return (math.nan, math.nan)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return (float(low), float(high))


def bootstrap_ci(scores: np.ndarray, n_boot: int, seed: int, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean score over prompts.

    Args:
        scores: shape (n_prompts,), NaN for missing scores (dropped before resampling).
        n_boot: number of resamples; 0 gives (nan, nan).
        seed: seed of the resampling generator.
        alpha: 1 - confidence level.

    Returns:
        (low, high) of the (1 - alpha) interval; (nan, nan) when nothing is scored.
    """
    return _interval(bootstrap_means(np.asarray(scores, dtype=float), n_boot, np.random.default_rng(seed)), alpha)


def _sort_curve(curve: pd.DataFrame) -> pd.DataFrame:
    keys = pd.DataFrame(
        {
            "e": curve["evaluator"],
            "b": [benchmark_rank(b) for b in curve["benchmark"]],
            # Comparison models (no round) go after the last round.
            "r": curve["round"].astype("Float64").fillna(math.inf).astype(float),
            "m": curve["model"],
        }
    )
    order = keys.sort_values(["e", "b", "r", "m"], kind="stable").index
    return curve.loc[order].reset_index(drop=True)


def build_round_curve(paths: Sequence[Path], n_boot: int, seed: int, alpha: float = 0.05) -> pd.DataFrame:
    """Score, 95% CI and counts per (model, benchmark, evaluator), plus the average over benchmarks.

    Args:
        paths: evaluation files (see :func:`load_evaluations`).
        n_boot: bootstrap resamples per interval (0 leaves the CI columns NaN).
        seed: master seed; each (model, benchmark, evaluator) derives its own, so the result is
            deterministic and does not change when unrelated files are added.
        alpha: 1 - confidence level.

    Returns:
        Columns exactly ``round, model, benchmark, evaluator, score, ci_low, ci_high, n, n_missing``,
        where ``n`` counts the prompts of the set and ``n_missing`` those without a score (the score is
        the mean over the others). The ``average`` row of a (model, evaluator) exists only when the
        model has every benchmark that any model has for this evaluator (otherwise its average would
        not be comparable; a warning names the gap). Floats rounded to 4 decimals; sorted by evaluator,
        benchmark (average first, then the paper's order), round (comparison models last), model.
    """
    evaluations = load_evaluations(paths)
    rows: list[dict[str, Any]] = []
    draws: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for (model, benchmark, evaluator), group in evaluations.groupby(["model", "benchmark", "evaluator"], sort=True):
        scores = group["score"].to_numpy(dtype=float)
        means = bootstrap_means(scores, n_boot, np.random.default_rng(derived_seed(seed, model, benchmark, evaluator)))
        draws.setdefault((model, evaluator), {})[benchmark] = means
        low, high = _interval(means, alpha)
        n_missing = int(np.isnan(scores).sum())
        score = float(np.nanmean(scores)) if n_missing < scores.size else math.nan
        rows.append(
            dict(
                model=model,
                benchmark=benchmark,
                evaluator=evaluator,
                score=score,
                ci_low=low,
                ci_high=high,
                n=int(scores.size),
                n_missing=n_missing,
            )
        )
    per_benchmark = pd.DataFrame(rows)
    for (model, evaluator), by_benchmark in sorted(draws.items()):
        expected = set(per_benchmark.loc[per_benchmark["evaluator"] == evaluator, "benchmark"])
        if set(by_benchmark) != expected:
            missing = ", ".join(sorted(expected - set(by_benchmark)))
            warnings.warn(f"no average for {model}/{evaluator}: missing benchmarks {missing}", stacklevel=2)
            continue
        mine = per_benchmark[(per_benchmark["model"] == model) & (per_benchmark["evaluator"] == evaluator)]
        low, high = _interval(np.mean(np.stack([by_benchmark[b] for b in sorted(by_benchmark)]), axis=0), alpha)
        rows.append(
            dict(
                model=model,
                benchmark=AVERAGE,
                evaluator=evaluator,
                score=float(mine["score"].mean(skipna=False)),
                ci_low=low,
                ci_high=high,
                n=int(mine["n"].sum()),
                n_missing=int(mine["n_missing"].sum()),
            )
        )
    curve = pd.DataFrame(rows)
    curve["round"] = pd.array([round_of(m) for m in curve["model"]], dtype="Int64")
    for column in ("score", "ci_low", "ci_high"):
        curve[column] = curve[column].astype(float).round(4)
    return _sort_curve(curve[list(CURVE_COLUMNS)])


def write_curve(curve: pd.DataFrame, path: Path) -> None:
    """Write a round curve as CSV atomically (4 decimals, so equal curves give equal bytes)."""
    with atomic_path(path) as handle:
        curve.to_csv(handle, index=False, float_format="%.4f", lineterminator="\n")


def average_by_round(curve: pd.DataFrame, evaluator: str) -> pd.DataFrame:
    """One evaluator's ``average`` rows of the models that have a round, indexed by round (int), ascending."""
    rows = curve[(curve["benchmark"] == AVERAGE) & (curve["evaluator"] == evaluator) & curve["round"].notna()]
    return rows.assign(round=rows["round"].astype(int)).sort_values("round").set_index("round")


def read_curve(path: Path) -> pd.DataFrame:
    """Read a round curve written by :func:`write_curve`, restoring the column types."""
    curve = pd.read_csv(
        path,
        dtype={"model": str, "benchmark": str, "evaluator": str},
        keep_default_na=False,
        na_values={c: [""] for c in ("round", "score", "ci_low", "ci_high")},
    )
    missing = [c for c in CURVE_COLUMNS if c not in curve.columns]
    if missing:
        raise ValueError(f"{path} is not a round curve: missing columns {', '.join(missing)}")
    curve["round"] = curve["round"].astype("Int64")
    return curve[list(CURVE_COLUMNS)]


def best_of_n_curve(
    judge_scores: np.ndarray, quality: np.ndarray, ns: Sequence[int], n_boot: int, seed: int
) -> pd.DataFrame:
    """Quality of the judge-selected best of the first n samples, for each n (Figure 3).

    Args:
        judge_scores: shape (n_prompts, n_samples), the judge's score of each sample.
        quality: shape (n_prompts, n_samples), the evaluator's score of each sample (ArmoRM, oracle).
        ns: sample counts to report, each <= n_samples; samples are taken in their stored order, which
            is the sampling order and so an unbiased subsample.
        n_boot: bootstrap resamples over prompts for the CI.
        seed: seed of the resampling.

    Returns:
        Columns ``n, score, ci_low, ci_high``; ties in the judge's score go to the earlier sample.
    """
    judge_scores, quality = np.asarray(judge_scores, dtype=float), np.asarray(quality, dtype=float)
    if judge_scores.shape != quality.shape or judge_scores.ndim != 2:
        raise ValueError(f"judge_scores {judge_scores.shape} and quality {quality.shape} must be equal 2-D shapes")
    rows = []
    for n in ns:
        if not 1 <= n <= judge_scores.shape[1]:
            raise ValueError(f"n={n} outside 1..{judge_scores.shape[1]}")
        chosen = np.argmax(judge_scores[:, :n], axis=1)
        picked = quality[np.arange(quality.shape[0]), chosen]
        low, high = bootstrap_ci(picked, n_boot, derived_seed(seed, str(n)))
        rows.append(
            {
                "n": int(n),
                "score": round(float(np.nanmean(picked)), 4),
                "ci_low": round(low, 4),
                "ci_high": round(high, 4),
            }
        )
    return pd.DataFrame(rows, columns=["n", "score", "ci_low", "ci_high"])
