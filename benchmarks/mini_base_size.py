"""What a larger mini base would cost the demo: larger Llama shapes vs the shipped 4-layer base.

    python benchmarks/mini_base_size.py [--model resources/mini-base] [--prompts 64] [--n 8] [--tokens 48]

The demo's time goes to two kinds of work: training steps (the SFT rounds and, the longest job,
the judge) and batched sampling. For the shipped base and each larger shape (randomly initialised,
same tokenizer and vocabulary) this times one AdamW step on 16 chat-formatted seed examples and the
harness's sampling of N continuations of the same prompts (``alma.backends.hf.HFBackend``, forced
length). Random weights cost what trained ones do: the work depends on the shapes only. Prints
seconds and the ratios to the shipped base; writes results/bench/mini_base_size.csv.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch
from bench_results import write_results
from sampling_workload import add_arguments, workload

from alma.backends.hf import HFBackend
from alma.config import SamplingParams
from alma.mini.datasets import seed_sft
from alma.mini.universe import build_universe

LARGER = {"8 layers x 256": (8, 256, 688), "6 layers x 384": (6, 384, 1024), "8 layers x 512": (8, 512, 1376)}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json")


def _variant(shipped: Path, out: Path, layers: int, hidden: int, intermediate: int) -> Path:
    """A randomly initialised model of the given shape that shares the shipped tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = json.loads((shipped / "config.json").read_text())
    config.update(num_hidden_layers=layers, hidden_size=hidden, intermediate_size=intermediate,
                  num_attention_heads=hidden // config["head_dim"], num_key_value_heads=hidden // config["head_dim"])  # fmt: skip
    torch.manual_seed(0)
    LlamaForCausalLM(LlamaConfig(**config)).save_pretrained(out)
    for name in TOKENIZER_FILES:
        if (shipped / name).exists():
            shutil.copy(shipped / name, out / name)
    return out


def _train_step_seconds(backend: HFBackend, texts: list[str], repeats: int) -> float:
    model = backend.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    enc = backend.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
    times = []
    for _ in range(repeats + 1):  # the first step is warm-up
        start = time.perf_counter()
        model(**enc, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    model.eval()
    return statistics.median(times[1:])


def _sampling_seconds(backend: HFBackend, texts: list[str], params: SamplingParams, repeats: int) -> float:
    backend.model.generation_config.min_new_tokens = params.max_new_tokens  # same token count for every shape
    backend.generate(texts[:2], params)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        backend.generate(texts, params)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser, repeats_help="timings of each; medians are compared")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    prompts, params = workload(args)
    examples = [[{"role": "user", "content": r["prompt"]}, {"role": "assistant", "content": r["response"]}]
                for r in seed_sft(build_universe(0), 16, seed=0)]  # fmt: skip
    shipped = Path(args.model)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        shapes = {"shipped": shipped, **{name: _variant(shipped, Path(tmp) / str(i), *shape)
                                         for i, (name, shape) in enumerate(LARGER.items())}}  # fmt: skip
        for name, model_dir in shapes.items():
            backend = HFBackend(str(model_dir), batch_size=args.prompts)
            train_texts = [backend.tokenizer.apply_chat_template(m, tokenize=False) for m in examples]
            params_m = sum(p.numel() for p in backend.model.parameters()) / 1e6
            step = _train_step_seconds(backend, train_texts, args.repeats)
            sample = _sampling_seconds(backend, backend.chat_texts(prompts), params, args.repeats)
            rows.append([name, round(params_m, 1), round(step, 3), round(sample, 2)])
    base_step, base_sample = rows[0][2], rows[0][3]
    out = [[*row, round(row[2] / base_step, 2), round(row[3] / base_sample, 2)] for row in rows]
    print(
        f"{'shape':16s} {'params (M)':>10s} {'train step (s)':>15s} {'sampling (s)':>13s} {'x train':>8s} {'x sampling':>10s}"
    )
    for name, params_m, step, sample, r_step, r_sample in out:
        print(f"{name:16s} {params_m:10.1f} {step:15.3f} {sample:13.2f} {r_step:8.2f} {r_sample:10.2f}")
    write_results(
        "mini_base_size", ["shape", "params_m", "train_step_s", "sampling_s", "train_ratio", "sampling_ratio"], out
    )


if __name__ == "__main__":
    main()
