"""Inputs of a run: the base model, the 9k-style seed sets and the evaluation prompt sets.

``world: mini`` generates them from the miniature universe; ``world: hub`` ingests local JSONL
copies (made from the hub by the download rules on clusters that reach it), validating every
record against its schema before any expensive job starts.
"""

from __future__ import annotations

import random
from pathlib import Path

from alma.commands import add_command, add_common, set_threads
from alma.config import config_hash, derive_seed, parse_params
from alma.records import read_json, read_jsonl, write_json, write_jsonl


def cmd_mini_pretrain(args) -> None:
    from alma.mini.pretrain import pretrain_base

    set_threads(args.threads)
    pretrain_base(args.out, seed=args.seed, steps=args.steps, universe_seed=args.universe_seed)


def cmd_prepare_base(args) -> None:
    """Write a model's manifest (base, comparison or reward model) after materializing it: a local
    directory, a pinned hub snapshot or a packaged GGUF (see :mod:`alma.model_sources`), with the chat
    format the config names. A model that will be trained on chats (``check_chat``) must carry a chat
    template with generation markers whose eos closes the assistant turn."""
    from alma.model_sources import materialize_model
    from alma.models import write_manifest

    p = parse_params(args.params)
    model_dir, provenance = materialize_model(p, Path(args.out).parent / "model")
    if p.get("check_chat"):
        from alma.chat_format import check_chat_format

        check_chat_format(model_dir)
    # A model the project built and ships (the mini world's stand-ins) keeps its build metrics, e.g.
    # the reward model's 0-10 calibration, which its evaluator reads from the run's manifest.
    built = model_dir / "manifest.json"
    metrics = read_json(built).get("metrics", {}) if built.is_file() else {}
    write_manifest(
        args.out,
        model_dir,
        base=p.get("repo") or (p.get("gguf") or {}).get("file") or str(p.get("path")),
        config=p,
        metrics={**metrics, **provenance},
        hash_files=p.get("hash_files", True),
    )


def _sample(rows: list[dict], size: int, seed: int, path: str) -> list[dict]:
    if len(rows) < size:
        raise ValueError(f"{path}: has {len(rows)} records, the config asks for {size}")
    return random.Random(seed).sample(rows, size) if size < len(rows) else rows


def cmd_build_seed_sft(args) -> None:
    p = parse_params(args.params)
    if p["world"] == "mini":
        from alma.mini.datasets import seed_sft
        from alma.mini.universe import build_universe

        rows = seed_sft(build_universe(p["universe_seed"]), p["size"], derive_seed(p["seed"], "seed_sft"))
    else:
        rows = _sample(read_jsonl(p["path"], "seed_sft"), p["size"], derive_seed(p["seed"], "seed_sft"), p["path"])
    rows = [{**r, "id": r.get("id") or f"seed-{i:06d}"} for i, r in enumerate(rows)]
    write_jsonl(args.out, rows, "seed_sft")


def cmd_build_judge_seed(args) -> None:
    """The judge seed set: (prompt, response, 0-10 score) triples, 2 responses per prompt.

    Mini world: the responses are two samples (temperature 1) of ``--responder`` (config
    ``mini.judge_seed_responder``: the first SFT model in config/config.yaml, or the instruct stand-in), rated
    by simulated annotators (oracle plus noise). A judge must learn from fluent answers that differ in
    being right and on topic, because that is what the rounds' samples look like. Measured
    (config/README.md, "The mini world's judge"): a judge trained on base-model answers vs references
    and corruptions scored a round's samples with no signal; on two samples of the SFT model it
    reaches 0.66 held-out pair accuracy with the paper's 4k ratings.
    """
    p = parse_params(args.params)
    if p["world"] != "mini":
        rows = read_jsonl(p["path"], "seed_judgment")
        prompts = sorted({r["prompt"] for r in rows})
        keep = set(
            random.Random(derive_seed(p["seed"], "judge_seed")).sample(prompts, min(p["prompts"], len(prompts)))
        )
        write_jsonl(args.out, [r for r in rows if r["prompt"] in keep], "seed_judgment")
        return
    from alma.backends import open_backend
    from alma.config import SamplingParams
    from alma.mini.datasets import annotate, judge_seed_tasks
    from alma.mini.universe import build_universe
    from alma.models import resolve_model

    if not args.responder:
        raise ValueError("the mini world's judge seed needs --responder (the model whose answers are rated)")
    set_threads(args.threads)
    seed = derive_seed(p["seed"], "judge_seed")
    universe = build_universe(p["universe_seed"])
    tasks = judge_seed_tasks(universe, p["prompts"], seed)
    backend = open_backend(resolve_model(args.responder))
    sampled = backend.generate(
        backend.chat_texts([t.prompt for t in tasks]),
        SamplingParams(temperature=1.0, top_p=1.0, max_new_tokens=48, n=2, seed=seed),
    )
    rng = random.Random(seed)
    rows = []
    for i, (task, answers) in enumerate(zip(tasks, sampled, strict=True)):
        for j, response in enumerate(a.strip() for a in answers):
            score = annotate(universe, task.prompt, response, p["annotator_noise"], rng)
            rows.append({"id": f"judge-seed-{i:05d}-{j}", "prompt": task.prompt, "response": response, "score": score})
    write_jsonl(args.out, rows, "seed_judgment")


def cmd_build_eval_prompts(args) -> None:
    p = parse_params(args.params)
    out_dir = Path(args.out_dir)
    if p["world"] == "mini":
        from alma.mini.datasets import eval_sets
        from alma.mini.universe import build_universe

        sets = eval_sets(build_universe(p["universe_seed"]), p["benchmarks"], derive_seed(p["seed"], "eval"))
    else:
        sets = {
            name: read_jsonl(spec["path"], "eval_prompt")[: spec["size"]] for name, spec in p["benchmarks"].items()
        }
    for name, rows in sets.items():
        write_jsonl(out_dir / f"{name}.jsonl", rows, "eval_prompt")


def cmd_build_mini_sets(args) -> None:
    """Mini world only: oracle-answer SFT data for the instruct stand-in, or RM preference pairs."""
    from alma.mini.datasets import instruct_sft, reward_model_pairs
    from alma.mini.universe import build_universe

    p = parse_params(args.params)
    universe = build_universe(p["universe_seed"])
    if args.instruct_out:
        rows = instruct_sft(universe, p["instruct_examples"], derive_seed(p["seed"], "instruct"))
        chats = (
            {"messages": [{"role": "user", "content": r["prompt"]}, {"role": "assistant", "content": r["response"]}]}
            for r in rows
        )
        write_jsonl(args.instruct_out, chats, "sft_example")
    if args.rm_pairs_out:
        pairs = reward_model_pairs(universe, p["reward_model_pairs"], derive_seed(p["seed"], "rm"))
        write_jsonl(args.rm_pairs_out, pairs, "dpo_pair")


def cmd_build_mini_rewardbench(args) -> None:
    """Mini world only: the RewardBench-shaped fixture the judge's Table 2 columns are measured on."""
    from alma.mini.rewardbench import rewardbench_fixture
    from alma.mini.universe import build_universe

    p = parse_params(args.params)
    rows = rewardbench_fixture(build_universe(p["universe_seed"]), p["per_subset"], p["seed"])
    write_jsonl(args.out, rows, "rewardbench_pair")


def cmd_build_mini_lmeval_tasks(args) -> None:
    """Mini world only: two local lm-eval tasks (multiple-choice facts, generated sums)."""
    from alma.evaluation.lmeval import write_local_tasks
    from alma.mini.lmeval_tasks import lmeval_docs
    from alma.mini.universe import build_universe

    p = parse_params(args.params)
    docs = lmeval_docs(build_universe(p["universe_seed"]), p["per_task"], p["seed"])
    write_local_tasks(args.out_dir, docs, max_gen_toks=p.get("max_gen_toks", 32))


def cmd_validate(args) -> None:
    """Validate record files against their schemas before anything expensive runs."""
    for spec in args.files:
        kind, _, path = spec.partition("=")
        count = len(read_jsonl(path, kind))
        print(f"ok  {path}: {count} {kind} records")


def cmd_record_upstream(args) -> None:
    """Record the config a run built its upstream with, so ablation runs can reuse it safely.

    ``--params`` is ``alma.config.upstream_view`` of the run's config; ablation runs that name this run
    in ``shared_run`` compare their own view against it before anything runs.
    """
    section = parse_params(args.params)
    write_json(args.out, {"config": section, "hash": config_hash(section)})


def register(sub) -> None:
    c = add_command(sub, "mini-pretrain", cmd_mini_pretrain, "pretrain the mini world's tiny base model")
    c.add_argument("--out", required=True)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--steps", type=int, required=True)
    c.add_argument("--universe-seed", type=int, default=0)
    add_common(c, params=False)
    c = add_command(sub, "prepare-base", cmd_prepare_base, "write the base model manifest (download if needed)")
    c.add_argument("--out", required=True)
    add_common(c, threads=False)
    c = add_command(sub, "build-mini-rewardbench", cmd_build_mini_rewardbench, "the mini RewardBench fixture")
    c.add_argument("--out", required=True)
    add_common(c, threads=False)
    c = add_command(sub, "build-mini-lmeval-tasks", cmd_build_mini_lmeval_tasks, "the mini lm-eval tasks")
    c.add_argument("--out-dir", required=True)
    add_common(c, threads=False)
    c = add_command(sub, "build-seed-sft", cmd_build_seed_sft, "the SFT seed set (D1)")
    c.add_argument("--out", required=True)
    add_common(c, threads=False)
    c = add_command(sub, "build-judge-seed", cmd_build_judge_seed, "the judge seed annotations")
    c.add_argument("--responder", help="mini world: manifest of the model whose answers are rated")
    c.add_argument("--out", required=True)
    add_common(c)
    c = add_command(sub, "build-eval-prompts", cmd_build_eval_prompts, "the held-out evaluation prompt sets")
    c.add_argument("--out-dir", required=True)
    add_common(c, threads=False)
    c = add_command(sub, "build-mini-sets", cmd_build_mini_sets, "instruct SFT data and RM pairs (mini world)")
    c.add_argument("--instruct-out")
    c.add_argument("--rm-pairs-out")
    add_common(c, threads=False)
    c = add_command(sub, "record-upstream", cmd_record_upstream, "record the config the upstream was built with")
    c.add_argument("--out", required=True)
    add_common(c, threads=False)
    c = add_command(sub, "validate", cmd_validate, "validate record files: KIND=PATH ...")
    c.add_argument("files", nargs="+", metavar="KIND=PATH")
