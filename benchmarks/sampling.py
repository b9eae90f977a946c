"""The harness's sampling stage vs a bare transformers ``generate`` call on the same work.

    python benchmarks/sampling.py [--model resources/mini-base] [--prompts 64] [--n 8] [--tokens 48]

Both sample N continuations of the same chat-formatted prompts with the same decoding settings
and a forced length (``min_new_tokens`` = ``max_new_tokens``, so the token count is identical);
the bare call batches all prompts at once, the harness batches length-sorted groups. Prints
tokens/s of each and the ratio harness/bare; writes results/bench/sampling.csv.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from bench_results import write_results
from sampling_workload import add_arguments, workload

from alma.backends.hf import HFBackend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser, repeats_help="alternating timings of each; medians are compared")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    prompts, params = workload(args)
    backend = HFBackend(args.model, batch_size=args.prompts)
    texts = backend.chat_texts(prompts)
    model, tok = backend.model, backend.tokenizer
    # Force the same number of new tokens in both paths: a fair tokens/s comparison.
    model.generation_config.min_new_tokens = args.tokens

    backend.generate(texts[:2], params)  # warm-up
    enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)

    def run_harness() -> float:
        start = time.perf_counter()
        backend.generate(texts, params)
        return time.perf_counter() - start

    def run_bare() -> float:
        torch.manual_seed(0)
        start = time.perf_counter()
        with torch.inference_mode():
            model.generate(**enc, do_sample=True, temperature=1.0, top_p=0.95, top_k=0, max_new_tokens=args.tokens,
                           min_new_tokens=args.tokens, num_return_sequences=args.n, pad_token_id=tok.pad_token_id)  # fmt: skip
        return time.perf_counter() - start

    # Alternate the two and take medians: one timing of each on a shared 2-core machine varies by 10%.
    times = [(run_harness(), run_bare()) for _ in range(args.repeats)]
    harness = statistics.median(t[0] for t in times)
    bare = statistics.median(t[1] for t in times)

    tokens = args.prompts * args.n * args.tokens
    ratio = (tokens / harness) / (tokens / bare)
    print(
        f"sampling: harness {tokens / harness:.0f} tok/s, bare generate {tokens / bare:.0f} tok/s, "
        f"ratio {ratio:.2f} ({args.prompts} prompts x n={args.n} x {args.tokens} tokens)"
    )
    write_results(
        "sampling",
        ["prompts", "n", "tokens", "harness_tok_s", "bare_tok_s", "ratio"],
        [[args.prompts, args.n, args.tokens, round(tokens / harness), round(tokens / bare), round(ratio, 3)]],
    )


if __name__ == "__main__":
    main()
