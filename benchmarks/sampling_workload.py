"""The sampling work that benchmarks/sampling.py and benchmarks/mini_base_size.py both time.

One definition, so "the sampling above" in the README's performance table is the same prompts,
decoding settings and forced length in both scripts.
"""

from __future__ import annotations

import argparse

from alma.config import SamplingParams
from alma.mini.tasks import sample_tasks
from alma.mini.universe import build_universe


def add_arguments(parser: argparse.ArgumentParser, repeats_help: str) -> None:
    parser.add_argument("--model", default="resources/mini-base")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help=repeats_help)


def workload(args: argparse.Namespace) -> tuple[list[str], SamplingParams]:
    """The requests (mini-world tasks, seeded) and the rounds' sampling settings, ``--n`` x ``--tokens``."""
    prompts = [t.prompt for t in sample_tasks(build_universe(0), args.prompts, seed=0)]
    return prompts, SamplingParams(temperature=1.0, top_p=0.95, max_new_tokens=args.tokens, n=args.n, seed=0)
