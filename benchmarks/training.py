"""The harness's SFT stage (``alma.train.train_sft``) vs a bare TRL ``SFTTrainer`` on the same data.

    python benchmarks/training.py [--model resources/mini-base] [--examples 300] [--epochs 1]

Both train the same base on the same conversational examples with the same batch size, length,
learning rate and precision; the bare run saves no checkpoints and no manifest. The harness adds
resumable checkpoints, the manifest's hashes and the final save. Prints examples/s of each and the
ratio harness/bare; writes results/bench/training.csv.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from bench_results import write_results

from alma.config import TrainParams
from alma.mini.datasets import seed_sft
from alma.mini.universe import build_universe
from alma.train import train_sft


def _examples(n: int) -> list[dict]:
    rows = seed_sft(build_universe(0), n, seed=0)
    return [{"messages": [{"role": "user", "content": r["prompt"]}, {"role": "assistant", "content": r["response"]}]}
            for r in rows]  # fmt: skip


def bare_trl(model_dir: str, rows: list[dict], params: TrainParams, out: Path) -> float:
    """Seconds for a plain SFTTrainer run: same settings, nothing saved."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="right")
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    config = SFTConfig(output_dir=str(out), num_train_epochs=params.epochs, per_device_train_batch_size=params.batch_size,
                       learning_rate=params.learning_rate, lr_scheduler_type="cosine", warmup_steps=params.warmup_ratio,
                       max_length=params.max_length, seed=0, bf16=True, use_cpu=not torch.cuda.is_available(),
                       save_strategy="no", report_to="none", disable_tqdm=True, assistant_only_loss=True,
                       dataloader_num_workers=0, logging_steps=10)  # fmt: skip
    trainer = SFTTrainer(model=model, processing_class=tokenizer, args=config, train_dataset=Dataset.from_list(rows))
    start = time.perf_counter()
    trainer.train()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resources/mini-base")
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = _examples(args.examples)
    params = TrainParams(epochs=args.epochs, learning_rate=1e-3, batch_size=16, max_length=256, warmup_ratio=0.05)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sft.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        bare = bare_trl(args.model, rows, params, Path(tmp) / "bare")
        start = time.perf_counter()
        train_sft(args.model, [data], Path(tmp) / "harness", params, seed=0)
        harness = time.perf_counter() - start
    n = len(rows) * args.epochs
    ratio = (n / harness) / (n / bare)
    print(f"bare TRL SFTTrainer : {n / bare:8.1f} examples/s ({bare:.1f} s, training loop only)")
    print(f"harness train_sft   : {n / harness:8.1f} examples/s ({harness:.1f} s, with data loading and final save)")
    print(f"throughput ratio harness/bare: {ratio:.2f}")
    write_results("training", ["examples", "epochs", "bare_s", "harness_s", "ratio"],
                  [[len(rows), args.epochs, round(bare, 2), round(harness, 2), round(ratio, 3)]])  # fmt: skip


if __name__ == "__main__":
    main()
