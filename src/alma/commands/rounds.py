"""The feedback loop: prompt pool, per-round prompts, responses, best-of-N data and training."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from alma.commands import add_command, add_common, set_threads
from alma.config import SamplingParams, TrainParams, derive_seed, from_dict, parse_params
from alma.records import read_jsonl, write_json, write_jsonl


def _backend(manifest: str, threads: int | None, batch_size: int = 64, embeddings: bool = False):
    """The job's backend; ``embeddings`` forces transformers (vLLM does not expose hidden states)."""
    from alma.backends import open_backend
    from alma.models import resolve_model

    set_threads(threads)
    return open_backend(resolve_model(manifest), batch_size=batch_size, kind="hf" if embeddings else None)


def cmd_synthesize_prompts(args) -> None:
    from alma.prompts import synthesize
    from alma.responses import shard_slice

    p = parse_params(args.params)
    per_shard = shard_slice(range(p["pool_size"]), args.shard, args.shards)
    seeds = [r["prompt"] for r in read_jsonl(args.seed_sft, "seed_sft")]
    sampling = from_dict(SamplingParams, {**p["sampling"], "n": p.get("per_request", 4)})
    seed = derive_seed(p["seed"], "synthesis", args.shard)
    records = synthesize(
        _backend(args.base, args.threads),
        seeds,
        len(per_shard),
        tuple(p["shots"]),
        sampling,
        seed,
        id_prefix=f"syn{args.shard:04d}",
    )
    write_jsonl(args.out, records, "prompt")


def cmd_merge_prompts(args) -> None:
    from alma.prompts import clean_pool

    p = parse_params(args.params)
    candidates = [r for path in args.inputs for r in read_jsonl(path, "prompt", allow_empty=True)]
    seeds = [r["prompt"] for r in read_jsonl(args.seed_sft, "seed_sft")]
    held_out = [r["text"] for path in args.eval_prompts for r in read_jsonl(path, "eval_prompt")]
    kept, counts = clean_pool(candidates, seeds, eval_texts=held_out, **p["filters"])
    if not kept:
        raise ValueError(f"prompt synthesis kept no prompts out of {len(candidates)}: {counts}")
    write_jsonl(args.out, kept, "prompt")
    write_json(args.stats, counts)


def cmd_embed_prompts(args) -> None:
    import numpy as np

    from alma.records import atomic_path

    p = parse_params(args.params)
    pool = read_jsonl(args.pool, "prompt")
    vectors = _backend(args.base, args.threads, embeddings=True).embed(
        [r["text"] for r in pool], p["layer"], p["pooling"]
    )
    with atomic_path(args.out, "wb") as handle:
        np.save(handle, vectors)


def cmd_cluster_prompts(args) -> None:
    import numpy as np

    from alma.diversify import cluster_embeddings

    p = parse_params(args.params)
    pool = read_jsonl(args.pool, "prompt")
    labels = cluster_embeddings(np.load(args.embeddings), p["clusters"], derive_seed(p["seed"], "kmeans"))
    if len(labels) != len(pool):
        raise ValueError(f"{args.embeddings}: {len(labels)} embeddings for {len(pool)} prompts in {args.pool}")
    write_jsonl(args.out, ({**r, "cluster": int(c)} for r, c in zip(pool, labels, strict=True)), "prompt")


def cmd_select_prompts(args) -> None:
    from alma.diversify import select_prompts

    p = parse_params(args.params)
    ledger = read_jsonl(args.ledger, "prompt", allow_empty=True) if args.ledger else []
    used = {r["id"] for r in ledger}
    chosen = select_prompts(
        read_jsonl(args.pool, "prompt"), used, p["k"], p["method"], derive_seed(p["seed"], "select", args.round)
    )
    chosen = [{**r, "round_used": args.round} for r in chosen]
    write_jsonl(args.out, chosen, "prompt")
    if args.ledger_out:
        write_jsonl(args.ledger_out, ledger + chosen, "prompt")


def cmd_sample_responses(args) -> None:
    from alma.responses import shard_slice

    p = parse_params(args.params)
    prompts = shard_slice(read_jsonl(args.prompts, "prompt"), args.shard, args.shards)
    seed = derive_seed(p["seed"], "responses", args.round, args.source, args.shard)
    sampling = from_dict(SamplingParams, {**p["sampling"], "n": p["n"], "seed": seed})
    backend = _backend(args.model, args.threads, batch_size=max(1, 256 // sampling.n))
    outputs = backend.generate(backend.chat_texts([r["text"] for r in prompts]), sampling) if prompts else []
    records = []
    for prompt, samples in zip(prompts, outputs, strict=True):
        for index, text in enumerate(samples):
            records.append(
                {
                    "prompt_id": prompt["id"],
                    "response_id": f"{prompt['id']}/{args.source}/{index}",
                    "text": text.strip(),
                    "checkpoint": args.checkpoint or args.source,
                    "sample_index": index,
                    "sampling": dataclasses.asdict(sampling),
                    "seed": seed,
                }
            )
    write_jsonl(args.out, records, "response")


def cmd_select_best(args) -> None:
    from alma.select import best_of_n, dpo_pairs

    p = parse_params(args.params)
    prompts = {r["id"]: r["text"] for r in read_jsonl(args.prompts, "prompt")}
    responses = [r for path in args.responses for r in read_jsonl(path, "response")]
    judgments = [r for path in args.judgments for r in read_jsonl(path, "judgment")]
    write_jsonl(args.out, best_of_n(prompts, responses, judgments), "sft_example")
    if args.pairs_out:
        pairs = dpo_pairs(
            prompts,
            responses,
            judgments,
            p.get("pairing", "best_vs_random"),
            derive_seed(p["seed"], "pairs", args.round),
        )
        write_jsonl(args.pairs_out, pairs, "dpo_pair")


def cmd_seed_to_sft(args) -> None:
    from alma.train import seed_to_sft

    seed_to_sft(args.seed_sft, args.out)


def cmd_train_sft(args) -> None:
    from alma.models import resolve_model, write_manifest
    from alma.train import is_main_process, train_sft

    set_threads(args.threads)
    p = parse_params(args.params)
    params = from_dict(TrainParams, p["train"])
    out_dir = Path(args.out).parent
    init = args.init or args.base
    metrics = train_sft(resolve_model(init), args.data, out_dir, params, seed=p["seed"])
    if is_main_process():  # under a multi-GPU launcher every rank gets here; one writes the manifest
        write_manifest(args.out, out_dir, base=init, data=args.data, config=p, metrics=metrics)


def cmd_train_dpo(args) -> None:
    from alma.models import resolve_model, write_manifest
    from alma.train import is_main_process, train_dpo

    set_threads(args.threads)
    p = parse_params(args.params)
    out_dir = Path(args.out).parent
    metrics = train_dpo(resolve_model(args.init), args.pairs, out_dir, from_dict(TrainParams, p["train"]), p["seed"])
    if is_main_process():
        write_manifest(args.out, out_dir, base=args.init, data=[args.pairs], config=p, metrics=metrics)


def register(sub) -> None:
    c = add_command(sub, "synthesize-prompts", cmd_synthesize_prompts, "few-shot self-instruct, one shard")
    for flag in ("--base", "--seed-sft", "--out"):
        c.add_argument(flag, required=True)
    c.add_argument("--shard", type=int, default=0)
    c.add_argument("--shards", type=int, default=1)
    add_common(c)
    c = add_command(sub, "merge-prompts", cmd_merge_prompts, "filter and de-duplicate the synthetic pool")
    c.add_argument("--inputs", nargs="+", required=True)
    c.add_argument("--eval-prompts", nargs="*", default=[], help="benchmark prompts the pool must not contain")
    for flag in ("--seed-sft", "--out", "--stats"):
        c.add_argument(flag, required=True)
    add_common(c, threads=False)
    c = add_command(sub, "embed-prompts", cmd_embed_prompts, "base-model hidden-state embeddings of the pool")
    for flag in ("--base", "--pool", "--out"):
        c.add_argument(flag, required=True)
    add_common(c)
    c = add_command(sub, "cluster-prompts", cmd_cluster_prompts, "k-means over the pool embeddings")
    for flag in ("--pool", "--embeddings", "--out"):
        c.add_argument(flag, required=True)
    add_common(c, threads=False)
    c = add_command(sub, "select-prompts", cmd_select_prompts, "K unused prompts for one round")
    for flag in ("--pool", "--out"):
        c.add_argument(flag, required=True)
    c.add_argument("--ledger", help="used-prompt ledger of the previous round (omit in the first)")
    c.add_argument("--ledger-out")
    c.add_argument("--round", type=int, required=True)
    add_common(c, threads=False)
    c = add_command(sub, "sample-responses", cmd_sample_responses, "N samples per prompt from one checkpoint")
    for flag in ("--model", "--prompts", "--out", "--source"):
        c.add_argument(flag, required=True)
    c.add_argument("--checkpoint", help="model name recorded in each response")
    c.add_argument("--round", type=int, required=True)
    c.add_argument("--shard", type=int, default=0)
    c.add_argument("--shards", type=int, default=1)
    add_common(c)
    c = add_command(sub, "select-best", cmd_select_best, "best-of-N SFT data (and DPO pairs) of one round")
    c.add_argument("--prompts", required=True)
    c.add_argument("--responses", nargs="+", required=True)
    c.add_argument("--judgments", nargs="+", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--pairs-out")
    c.add_argument("--round", type=int, required=True)
    add_common(c, threads=False)
    c = add_command(sub, "seed-to-sft", cmd_seed_to_sft, "seed SFT pairs -> TRL conversational examples")
    c.add_argument("--seed-sft", required=True)
    c.add_argument("--out", required=True)
    c = add_command(sub, "train-sft", cmd_train_sft, "SFT with TRL; writes weights beside the manifest")
    c.add_argument("--base", required=True, help="manifest of the model to start from")
    c.add_argument("--init", help="start from this manifest instead of --base (rounds.init: latest)")
    c.add_argument("--data", nargs="+", required=True)
    c.add_argument("--out", required=True, help="manifest path; weights go to its directory")
    add_common(c)
    c = add_command(sub, "train-dpo", cmd_train_dpo, "DPO with TRL from an SFT model")
    for flag in ("--init", "--pairs", "--out"):
        c.add_argument(flag, required=True)
    add_common(c)
