"""One-pass real-valued judge scoring vs the naive way (one forward pass per candidate score).

    python benchmarks/judge_scoring.py [--model resources/mini-base] [--pairs 64]

Both compute sum_s s * p(s) over the eleven scores for the same (prompt, response) pairs with the
same model. The naive way scores each candidate continuation "[[s]]" separately (11 forward passes
per response, as a generic "score every option" loop would); the harness reads the next-token
distribution once at the rating position. Prints both times, the speed ratio and the largest
difference between the two scores; writes results/bench/judge_scoring.csv.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_results import write_results

from alma.judge import RATING_OPEN, judge_message
from alma.mini.datasets import corrupt_response, judge_seed_tasks
from alma.mini.universe import build_universe
from alma.scoring import JudgeScorer


def naive_scores(scorer: JudgeScorer, prompts: list[str], responses: list[str]) -> np.ndarray:
    backend = scorer.backend
    texts = backend.chat_texts([judge_message(p, r) for p, r in zip(prompts, responses, strict=True)])
    out = []
    for text in texts:
        prefix = backend.tokenizer(text + RATING_OPEN, add_special_tokens=False).input_ids
        logps = []
        for score in range(11):
            target = backend.tokenizer(str(score), add_special_tokens=False).input_ids
            ids = torch.tensor([prefix + target], device=backend.device)
            with torch.inference_mode():
                logits = backend.model(input_ids=ids).logits[0, len(prefix) - 1 : -1].float()
            logp = torch.log_softmax(logits, -1).gather(1, torch.tensor(target, device=backend.device)[:, None]).sum()
            logps.append(float(logp))
        probs = np.exp(np.array(logps) - max(logps))
        out.append(float((probs / probs.sum()) @ np.arange(11)))
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resources/mini-base")
    parser.add_argument("--pairs", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    universe = build_universe(0)
    tasks = judge_seed_tasks(universe, args.pairs, seed=0)
    import random

    rng = random.Random(0)
    prompts = [t.prompt for t in tasks]
    responses = [t.reference if i % 2 else corrupt_response(universe, t, rng) for i, t in enumerate(tasks)]
    scorer = JudgeScorer(args.model, "ft_real", judge_id="bench", batch_size=32)
    scorer.score(prompts[:4], responses[:4])  # warm-up
    start = time.perf_counter()
    fast = np.array([r["score"] for r in scorer.score(prompts, responses)])
    one_pass = time.perf_counter() - start
    start = time.perf_counter()
    slow = naive_scores(scorer, prompts, responses)
    naive = time.perf_counter() - start
    ratio = naive / one_pass
    gap = float(np.abs(fast - slow).max())
    print(
        f"pairs={len(prompts)} one_pass={one_pass:.2f}s naive={naive:.2f}s speedup={ratio:.1f}x max_score_gap={gap:.4f}"
    )
    write_results(
        "judge_scoring",
        ["pairs", "one_pass_s", "naive_s", "speedup", "max_score_gap"],
        [[len(prompts), round(one_pass, 3), round(naive, 3), round(ratio, 2), round(gap, 6)]],
    )


if __name__ == "__main__":
    main()
