"""Pre-flight estimate of a run: how many generations, judge scorings, training tokens, GPU-hours and
GPT-4o calls a config implies, before anything is submitted to a cluster.

Counts follow the recipe exactly (they are arithmetic on the config). Times do not: they divide token
counts by per-GPU throughputs that are stated assumptions (see :data:`GPU_THROUGHPUT`), and token
lengths are assumptions too (see :class:`Workload`), because the paper reports neither. Replace them
with measured numbers from ``alma accounting`` after a small run. The paper reports 512 H100s for about
5 days (~61k GPU-hours); that figure presumably includes ablations and idle time, so expect the
estimate to be well below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

PAPER_GPU_HOURS = 512 * 5 * 24
"""The paper's whole-run compute: 512 H100 GPUs for about 5 days."""
EVALUATION_TURNS = {"mtbench": 2}
"""Answers (and gradings) per prompt: MT-Bench questions have two turns; the other sets one."""
GPT4O_USD_PER_M_INPUT = 2.50
GPT4O_USD_PER_M_OUTPUT = 10.00
"""GPT-4o (gpt-4o-2024-08-06) list prices per million tokens, OpenAI pricing page, late 2024."""


@dataclass(frozen=True)
class GpuThroughput:
    """Per-GPU throughput of one Llama-3-8B (bf16) replica; assumptions, not measurements.

    Generation: vLLM offline batched sampling. MLPerf Inference v5.1 reports 5,777 output tokens/s
    for Llama-3.1-8B on one H100 in FP8 (Red Hat's vLLM submission); we assume ~70% of that in bf16
    with longer outputs. Lambda's vLLM benchmark finds H100 about 2x A100; the H200's 1.4x memory
    bandwidth helps memory-bound decoding. Prefill (judge scoring, embeddings, reward model): 2 x 8e9
    FLOPs/token at ~50% of dense bf16 peak (H100/H200 989 TFLOPs, A100 312 TFLOPs). Training: ~8 x 8e9
    FLOPs/token (forward, backward, activation recomputation) at ~40% of peak.
    """

    generate: float
    """Output tokens per second when sampling."""
    prefill: float
    """Input tokens per second for a forward pass without decoding (judge, embeddings, ArmoRM)."""
    train: float
    """Training tokens per second (full fine-tuning, FSDP)."""


GPU_THROUGHPUT = {
    "h100": GpuThroughput(generate=4000.0, prefill=30000.0, train=6000.0),
    "a100": GpuThroughput(generate=2000.0, prefill=9500.0, train=1900.0),
    "h200": GpuThroughput(generate=5200.0, prefill=32000.0, train=6500.0),
}


@dataclass(frozen=True)
class Workload:
    """Token lengths per item (assumptions: the paper reports none)."""

    fewshot_context: int = 400
    """Instruction plus 3-5 seed prompts shown when synthesizing one prompt."""
    prompt: int = 60
    """A synthetic or evaluation prompt."""
    response: int = 350
    """A sampled response (Llama-3-8B SFT models, no length penalty)."""
    judge_template: int = 150
    """The judge's instruction around the prompt and response."""
    sft_example: int = 450
    """One training example (seed examples are longer than synthetic ones)."""
    grader_input: int = 900
    """GPT-4o single-answer grading prompt (instruction, question, answer)."""
    grader_output: int = 200
    """GPT-4o's explanation and ``[[rating]]``."""


def _get(config: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            if default is None:
                raise KeyError(f"config has no {dotted!r} (needed for the estimate)")
            return default
        node = node[part]
    return node


def _hours(tokens: float, per_second: float) -> float:
    return tokens / per_second / 3600.0


def benchmark_size(spec: int | Mapping[str, Any]) -> int:
    """Prompts in one evaluation set: the mini world gives a count, a hub config ``{size, path, source}``."""
    return int(spec["size"] if isinstance(spec, Mapping) else spec)


def estimate(config: Mapping[str, Any], gpu: str, workload: Workload | None = None) -> pd.DataFrame:
    """Per-stage estimate of a config's compute and GPT-4o cost.

    Args:
        config: a whole run config (``config/paper.yaml``, optionally with overlays). Required:
            rounds.feedback_rounds (R), rounds.prompts_per_round (K), rounds.responses_per_prompt (N),
            prompt_synthesis.pool_size, judge.distill_pairs, evaluation.benchmarks. Optional, with paper
            defaults: seed_data.sft_size (5000), seed_data.judge_prompts (2000), train.seeds (2 runs),
            train.sft.epochs (3), judge.train.epochs (3), rounds.init (base), evaluation.evaluators.
        gpu: ``h100``, ``a100`` or ``h200`` (see :data:`GPU_THROUGHPUT`).
        workload: token-length assumptions (default :class:`Workload`).

    Returns:
        One row per stage, then ``total`` and ``paper (512 H100 x 5 days)``; columns ``stage,
        generations, judge_scorings, eval_answers, train_tokens, gpu_hours, api_calls, api_cost_usd``.
        ``generations`` counts sampled training data only -- the prompt pool plus K*N*R responses --
        so its total is exactly ``pool + K*N*R``; the evaluation's answers are in ``eval_answers``. The
        self-distillation pairs are drawn from pipeline outputs (paper §3.3), so they add scorings and
        training, not generations.
    """
    if gpu not in GPU_THROUGHPUT:
        raise ValueError(f"unknown GPU {gpu!r}; known: {', '.join(sorted(GPU_THROUGHPUT))}")
    speed, w = GPU_THROUGHPUT[gpu], workload or Workload()
    rounds, k, n = (
        int(_get(config, f"rounds.{key}")) for key in ("feedback_rounds", "prompts_per_round", "responses_per_prompt")
    )
    pool = int(_get(config, "prompt_synthesis.pool_size"))
    distill = int(_get(config, "judge.distill_pairs"))
    benchmarks: Mapping[str, int | Mapping[str, Any]] = _get(config, "evaluation.benchmarks")
    sft_size = int(_get(config, "seed_data.sft_size", 5000))
    judge_seed = 2 * int(_get(config, "seed_data.judge_prompts", 2000))
    sft_runs = len(_get(config, "train.seeds", [1, 2]))
    epochs = float(_get(config, "train.sft.epochs", 3))
    judge_epochs = float(_get(config, "judge.train.epochs", 3))
    from_scratch = _get(config, "rounds.init", "base") == "base"
    evaluators = list(_get(config, "evaluation.evaluators", ["gpt4o", "armorm"]))

    judged = w.judge_template + w.prompt + w.response
    responses = k * n * rounds
    # Round 1 trains the seed SFT set once per seed; round r >= 2 trains on D1 + (r - 1) synthetic sets
    # from scratch (paper), or only on the new set when continuing from the latest model.
    examples = sft_runs * sft_size + sum(sft_size + (r - 1) * k if from_scratch else k for r in range(2, rounds + 2))
    train_tokens = int(examples * w.sft_example * epochs)
    judge_tokens = int((judge_seed + distill) * judged * judge_epochs)
    models = rounds + 3  # base, round1 .. round R+1, instruct
    answers = models * sum(benchmark_size(spec) * EVALUATION_TURNS.get(name, 1) for name, spec in benchmarks.items())
    grader_calls = answers if "gpt4o" in evaluators else 0
    reward_model_tokens = answers * (w.prompt + w.response) if "armorm" in evaluators else 0
    cost = grader_calls * (w.grader_input * GPT4O_USD_PER_M_INPUT + w.grader_output * GPT4O_USD_PER_M_OUTPUT) / 1e6

    gen, pre, trn = speed.generate, speed.prefill, speed.train
    # (stage, generations, judge scorings, eval answers, training tokens, GPU-hours)
    stages = [
        ("prompt_synthesis", pool, 0, 0, 0, _hours(pool * w.fewshot_context, pre) + _hours(pool * w.prompt, gen)),
        ("diversify_embeddings", 0, 0, 0, 0, _hours(pool * w.prompt, pre)),
        ("judge_training", 0, distill, 0, judge_tokens, _hours(distill * judged, pre) + _hours(judge_tokens, trn)),
        (
            "response_sampling",
            responses,
            0,
            0,
            0,
            _hours(responses * w.prompt, pre) + _hours(responses * w.response, gen),
        ),
        ("judge_scoring", 0, responses, 0, 0, _hours(responses * judged, pre)),
        ("policy_training", 0, 0, 0, train_tokens, _hours(train_tokens, trn)),
        ("evaluation", 0, 0, answers, 0, _hours(answers * w.response, gen) + _hours(reward_model_tokens, pre)),
    ]
    names = ("stage", "generations", "judge_scorings", "eval_answers", "train_tokens", "gpu_hours")
    import pandas as pd  # here, not at import: every `alma` command registers this module's CLI

    table = pd.DataFrame([dict(zip(names, stage, strict=True)) for stage in stages])
    table["api_calls"] = [grader_calls if s == "evaluation" else 0 for s in table["stage"]]
    table["api_cost_usd"] = [cost if s == "evaluation" else 0.0 for s in table["stage"]]
    total = {"stage": "total", **table.drop(columns="stage").sum().to_dict()}
    paper = {"stage": "paper (512 H100 x 5 days)", "gpu_hours": float(PAPER_GPU_HOURS)}
    table = pd.concat([table, pd.DataFrame([total, paper])], ignore_index=True)
    for column in ("generations", "judge_scorings", "eval_answers", "train_tokens", "api_calls"):
        table[column] = table[column].astype("Int64")
    table["gpu_hours"] = table["gpu_hours"].astype(float).round(1)
    table["api_cost_usd"] = table["api_cost_usd"].astype(float).round(2)
    return table


def comparison_line(table: pd.DataFrame, gpu: str) -> str:
    """One sentence comparing the estimate's total GPU-hours with the paper's reported compute."""
    total = float(table.loc[table["stage"] == "total", "gpu_hours"].iloc[0])
    return (
        f"Estimated {total:,.1f} {gpu.upper()} GPU-hours vs the paper's 512 H100 x 5 days = "
        f"{PAPER_GPU_HOURS:,} GPU-hours (ratio {total / PAPER_GPU_HOURS:.3f}); "
        f"{total / 512 / 24:.2f} days on 512 GPUs."
    )
