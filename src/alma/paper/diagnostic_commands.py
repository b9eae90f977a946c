"""``alma`` subcommands for the diagnostics around the paper's tables: Figure 3's best-of-N data,
the judge's calibration and ties, and the prompt pool's filters and clusters.

Registered by :func:`alma.paper.commands.register`, next to the table commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alma.records import atomic_path


def cmd_best_of_n(args: argparse.Namespace) -> int:
    """One round's samples, judgments and evaluator grades -> Figure 3 data (CSV)."""
    from alma.mini.oracle import grade
    from alma.mini.universe import build_universe
    from alma.paper.best_of_n import best_of_n_table
    from alma.records import read_jsonl

    universe = build_universe(args.universe_seed)
    prompts = {r["id"]: r["text"] for r in read_jsonl(args.prompts, "prompt")}
    responses = [r for path in args.responses for r in read_jsonl(path, "response")]
    judgments = {j["response_id"]: j["score"] for path in args.judgments for j in read_jsonl(path, "judgment")}
    table = best_of_n_table(responses, judgments, lambda p, t: grade(universe, p, t), prompts, args.judge_label,
                            n_boot=args.n_boot, seed=args.seed)  # fmt: skip
    with atomic_path(args.output) as handle:
        table.to_csv(handle, index=False, lineterminator="\n")
    print(table.to_string(index=False))
    return 0


def cmd_judge_diagnostics(args: argparse.Namespace) -> int:
    """Held-out judge evaluations (+ one round's judgments) -> diagnostics figure and CSV."""
    from alma.paper import judge_diagnostics as jd
    from alma.records import read_jsonl

    heldout = jd.load_heldout(args.input)
    judgments = [j for path in args.judgments or [] for j in read_jsonl(path, "judgment", allow_empty=True)]
    table = jd.summary_table(heldout, args.rounds_judge, judgments)
    with atomic_path(args.output, "w") as handle:
        table.to_csv(handle, index=False, float_format="%.4f")
    jd.plot(heldout, args.png, args.pdf)
    print(table.to_string(index=False))
    return 0


def cmd_prompt_diagnostics(args: argparse.Namespace) -> int:
    """Clustered pool, embeddings, filter counts and round prompts -> prompt diagnostics figure and CSV."""
    import json

    import numpy as np

    from alma.paper import prompt_diagnostics as pd_
    from alma.records import read_jsonl

    pool = read_jsonl(args.pool, "prompt")
    stats = json.loads(args.stats.read_text(encoding="utf-8"))
    rounds = {int(r.parent.name.removeprefix("round")): read_jsonl(r, "prompt") for r in args.rounds}
    table = pd_.summary_table(pool, stats, rounds)
    with atomic_path(args.output, "w") as handle:
        table.to_csv(handle, index=False, float_format="%.4f")
    embeddings = np.load(args.embeddings, mmap_mode="r")
    pd_.plot(pool, embeddings, stats, rounds, args.png, args.pdf, max_points=args.max_points, seed=args.seed)
    print(table.to_string(index=False))
    return 0


def register(subparsers: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the diagnostics subcommands with ``add(subparsers, name, handler)``."""
    paths = {"type": Path, "nargs": "+", "required": True}
    p = add(subparsers, "judge-diagnostics", cmd_judge_diagnostics)
    p.add_argument(
        "--input", "--inputs", dest="input", **paths, help="held-out judge evaluations (judge/eval/*/heldout.json)"
    )
    p.add_argument(
        "--judgments", type=Path, nargs="*", help="one round's judgments by the rounds' judge (best-of-N ties)"
    )
    p.add_argument("--rounds-judge", help="the judge variant the rounds used")
    p.add_argument("--png", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--output", type=Path, required=True, help="summary CSV")

    p = add(subparsers, "prompt-diagnostics", cmd_prompt_diagnostics)
    p.add_argument("--pool", type=Path, required=True, help="prompts/clustered.jsonl")
    p.add_argument(
        "--embeddings", type=Path, required=True, help="prompts/embeddings.npy (rows aligned with the pool)"
    )
    p.add_argument("--stats", type=Path, required=True, help="prompts/pool_stats.json (filter counts)")
    p.add_argument("--rounds", type=Path, nargs="*", default=[], help="round<r>/prompts.jsonl of each round")
    p.add_argument("--max-points", type=int, default=20000, help="rows drawn on the 2-D map (seeded sample)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--png", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--output", type=Path, required=True, help="summary CSV")

    p = add(subparsers, "best-of-n", cmd_best_of_n)
    p.add_argument("--prompts", type=Path, required=True, help="the round's prompts.jsonl")
    p.add_argument("--responses", type=Path, nargs="+", required=True, help="the round's response shards")
    p.add_argument("--judgments", type=Path, nargs="+", required=True, help="the judge's scores of them")
    p.add_argument("--universe-seed", type=int, default=0, help="mini world: the oracle grades each sample")
    p.add_argument("--judge-label", default="judge's pick")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", type=Path, required=True, help="best-of-N CSV (input of paper-figure3)")
