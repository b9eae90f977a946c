"""The judge: training data from the seed annotations, scoring, self-distillation and accuracy."""

from __future__ import annotations

import random
from itertools import combinations

from alma.commands import add_command, add_common, set_threads
from alma.config import derive_seed, parse_params
from alma.records import read_jsonl, write_json, write_jsonl


def split_by_prompt(rows: list[dict], heldout_prompts: int, seed: int) -> tuple[list[dict], list[dict]]:
    """Split annotations into train and held-out sets by prompt, so no prompt is in both."""
    prompts = sorted({r["prompt"] for r in rows})
    if heldout_prompts >= len(prompts):
        raise ValueError(f"heldout_prompts={heldout_prompts} leaves no training prompts out of {len(prompts)}")
    held = set(random.Random(seed).sample(prompts, heldout_prompts))
    return [r for r in rows if r["prompt"] not in held], [r for r in rows if r["prompt"] in held]


def cmd_build_judge_data(args) -> None:
    from alma.judge import judge_training_example

    p = parse_params(args.params)
    rows = read_jsonl(args.seed_judge, "seed_judgment")
    train, heldout = split_by_prompt(rows, p["heldout_prompts"], derive_seed(p["seed"], "judge_split"))
    template = p.get("template", "standard")
    write_jsonl(
        args.out,
        (judge_training_example(r["prompt"], r["response"], r["score"], template) for r in train),
        "sft_example",
    )
    write_jsonl(args.annotations_out, train, "seed_judgment")
    write_jsonl(args.heldout_out, heldout, "seed_judgment")


def _scorer(args, p):
    from alma.models import resolve_model
    from alma.scoring import JudgeScorer

    set_threads(args.threads)
    fewshot = []
    if p["variant"] == "fewshot_int":
        demos = read_jsonl(args.fewshot_from, "seed_judgment")
        fewshot = [(r["prompt"], r["response"], r["score"]) for r in random.Random(0).sample(demos, 3)]
    return JudgeScorer(
        resolve_model(args.judge),
        p["variant"],
        judge_id=f"{p['judge_id']}:{p['variant']}",
        batch_size=p.get("batch_size", 32),
        fewshot=fewshot,
        template=p.get("template", "standard"),
    )


def cmd_score(args) -> None:
    from alma.responses import shard_slice

    p = parse_params(args.params)
    if p["variant"] != "oracle" and not args.judge:
        raise ValueError(f"judge variant {p['variant']!r} needs --judge (the judge model manifest)")
    prompts = {r["id"]: r["text"] for path in args.prompts for r in read_jsonl(path, "prompt")}
    responses = [r for path in args.responses for r in read_jsonl(path, "response")]
    responses = shard_slice(responses, args.shard, args.shards)
    columns = (
        [r["response_id"] for r in responses],
        [prompts[r["prompt_id"]] for r in responses],
        [r["text"] for r in responses],
    )
    if p["variant"] == "oracle":  # mini world: the perfect judge (noise 0) or one of controlled quality
        from alma.mini.noisy_judge import noisy_oracle_judgments
        from alma.mini.universe import build_universe

        universe = build_universe(p["universe_seed"])
        records = noisy_oracle_judgments(universe, *columns, p.get("noise", 0.0), p.get("seed", 0))
        why = "answer a prompt that is not a task (no grade)"
    else:
        records = _scorer(args, p).judgments(*columns)
        why = "got unparsable judge output (recorded as null)"
    missing = sum(r["score"] is None for r in records)
    if missing:
        print(f"{missing} of {len(records)} responses {why}")
    write_jsonl(args.out, records, "judgment")


def cmd_build_distill_data(args) -> None:
    """Self-distillation set: synthetic pairs labelled with the judge's own rounded real score.

    With ``--seed-data`` the judge's original training examples are appended: continuing training
    on self-labels alone let the judge drift to a near-constant score (held-out accuracy below
    chance in the mini world); replaying the human annotations anchors it. ``--replay N`` replays a
    seeded sample of N of them (in their original order) instead of all, so that the self-labels
    are not swamped: the paper distils on 20k self-labels against 4k annotations.
    """
    from alma.judge import judge_training_example

    prompts = {r["id"]: r["text"] for r in read_jsonl(args.prompts, "prompt")}
    responses = {r["response_id"]: r for path in args.responses for r in read_jsonl(path, "response")}
    examples = []
    for judgment in read_jsonl(args.judgments, "judgment"):
        if judgment["score"] is None:
            continue
        response = responses[judgment["response_id"]]
        score = int(round(judgment["score"]))
        examples.append(judge_training_example(prompts[response["prompt_id"]], response["text"], score, args.template))
    if args.seed_data:
        replayed = read_jsonl(args.seed_data, "sft_example")
        if args.replay is not None and args.replay < 0:
            raise ValueError(f"--replay {args.replay}: the number of replayed examples cannot be negative")
        if args.replay is not None and args.replay < len(replayed):
            rng = random.Random(derive_seed(args.seed, "distill_replay"))
            keep = sorted(rng.sample(range(len(replayed)), args.replay))
            replayed = [replayed[i] for i in keep]
        examples += replayed
    write_jsonl(args.out, examples, "sft_example")


def pairwise_accuracy(rows: list[dict], predicted: list[float | None]) -> dict:
    """Accuracy over all same-prompt pairs whose annotated scores differ (ties and missing count half)."""
    from alma.evaluation.rewardbench import pair_credit

    by_prompt: dict[str, list[tuple[int, float | None]]] = {}
    for row, pred in zip(rows, predicted, strict=True):
        by_prompt.setdefault(row["prompt"], []).append((row["score"], pred))
    correct = total = ties = 0.0
    for items in by_prompt.values():
        for (gold_a, pred_a), (gold_b, pred_b) in combinations(items, 2):
            if gold_a == gold_b:
                continue
            total += 1
            better, worse = (pred_a, pred_b) if gold_a > gold_b else (pred_b, pred_a)
            credit = pair_credit(better, worse)
            ties += credit == 0.5
            correct += credit
    return {"accuracy": round(correct / total, 4) if total else None, "n": int(total), "ties": int(ties)}


def oracle_gold(rows: list[dict], universe_seed: int) -> list[dict]:
    """Mini world: replace the noisy annotations by the oracle's ground-truth score of each response."""
    from alma.mini.oracle import grade
    from alma.mini.universe import build_universe

    universe = build_universe(universe_seed)
    gold = []
    for row in rows:
        score = grade(universe, row["prompt"], row["response"])
        gold.append({**row, "score": row["score"] if score is None else score})
    return gold


def cmd_evaluate_judge(args) -> None:
    """Pairwise accuracy on held-out pairs: against the annotations, and against the oracle in the mini world."""
    p = parse_params(args.params)
    rows = read_jsonl(args.heldout, "seed_judgment")
    results = _scorer(args, p).score([r["prompt"] for r in rows], [r["response"] for r in rows])
    predicted = [r["score"] for r in results]
    against_annotations = pairwise_accuracy(rows, predicted)
    gold_rows = rows if p.get("oracle_universe_seed") is None else oracle_gold(rows, p["oracle_universe_seed"])
    summary = pairwise_accuracy(gold_rows, predicted)
    write_json(
        args.out,
        {
            "variant": p["variant"],
            "dataset": "heldout",
            "gold": "oracle" if gold_rows is not rows else "annotations",
            "per_category": {},
            **summary,
            "accuracy_vs_annotations": against_annotations["accuracy"],
            "unparsable": sum(s is None for s in predicted),
            "scores": predicted,
            "gold_scores": [r["score"] for r in gold_rows],
            "prompts": [r["prompt"] for r in rows],
        },
    )


def cmd_evaluate_rewardbench(args) -> None:
    """Judge accuracy on RewardBench pairs: per subset, per section (Table 2 columns) and overall."""
    from alma.evaluation.rewardbench import load_pairs, summarize

    p = parse_params(args.params)
    rows = load_pairs(args.data)
    prompts = [r["prompt"] for r in rows]
    results = _scorer(args, p).score(prompts + prompts, [r["chosen"] for r in rows] + [r["rejected"] for r in rows])
    scores = [r["score"] for r in results]
    chosen, rejected = scores[: len(rows)], scores[len(rows) :]
    summary = summarize(rows, chosen, rejected)
    write_json(
        args.out,
        {
            "variant": p["variant"],
            **summary,
            "data": str(args.data),
            "unparsable": sum(s is None for s in scores),
            "chosen_scores": chosen,
            "rejected_scores": rejected,
        },
    )


def cmd_mini_judge_probe(args) -> None:
    """Mini world: score the fixed probe (reference / wrong / off-topic answers) and summarize per family."""
    from alma.mini.judge_probe import probe_items, probe_summary
    from alma.mini.universe import build_universe

    p = parse_params(args.params)
    items = probe_items(build_universe(p.get("universe_seed", 0)), p.get("tasks", 360), p.get("seed", 7))
    scores = _scorer(args, {"judge_id": "probe", **p}).score(
        [i["prompt"] for i in items], [i["response"] for i in items]
    )
    write_json(
        args.out, {"params": p, "judge": args.judge, "summary": probe_summary(items, [s["score"] for s in scores])}
    )


def register(sub) -> None:
    c = add_command(sub, "build-judge-data", cmd_build_judge_data, "judge SFT data + held-out annotated pairs")
    for flag in ("--seed-judge", "--out", "--annotations-out", "--heldout-out"):
        c.add_argument(flag, required=True)
    add_common(c, threads=False)
    for name, func, help in (
        ("score", cmd_score, "judge scores for responses (one shard)"),
        ("evaluate-judge", cmd_evaluate_judge, "judge pairwise accuracy on held-out pairs"),
        ("evaluate-rewardbench", cmd_evaluate_rewardbench, "judge accuracy on RewardBench pairs"),
    ):
        c = add_command(sub, name, func, help)
        c.add_argument("--judge", required=name != "score", help="judge model manifest (score: not for the oracle)")
        c.add_argument("--fewshot-from", help="seed judgments for the 3-shot variant")
        c.add_argument("--out", required=True)
        add_common(c)
        if name == "score":
            c.add_argument("--prompts", nargs="+", required=True)
            c.add_argument("--responses", nargs="+", required=True)
            c.add_argument("--shard", type=int, default=0)
            c.add_argument("--shards", type=int, default=1)
        elif name == "evaluate-judge":
            c.add_argument("--heldout", required=True)
        else:
            c.add_argument("--data", required=True, help="RewardBench rows (rewardbench_pair JSON lines)")
    c = add_command(sub, "mini-judge-probe", cmd_mini_judge_probe, "mini world: what a judge checks, per task family")
    c.add_argument("--judge", required=True, help="judge model manifest")
    c.add_argument("--fewshot-from", help="seed judgments for the 3-shot variant")
    c.add_argument("--out", required=True, help="JSON: the params and one summary row per family")
    add_common(c)
    c = add_command(sub, "build-distill-data", cmd_build_distill_data, "self-distillation SFT data for the judge")
    for flag in ("--prompts", "--judgments", "--out"):
        c.add_argument(flag, required=True)
    c.add_argument("--responses", nargs="+", required=True)
    c.add_argument("--seed-data", help="the judge's original SFT examples, replayed with the self-labels")
    c.add_argument("--replay", type=int, help="replay a seeded sample of this many seed examples (default: all)")
    c.add_argument("--seed", type=int, default=0, help="master seed; the replay sample derives its own")
    c.add_argument("--template", default="standard", help="the judge instruction the judge was trained with")
