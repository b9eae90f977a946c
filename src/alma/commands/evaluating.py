"""Evaluation: answers of every model to every prompt set, graded by every evaluator.

Each grade file carries its protocol (evaluator id, template hash, decoding, prompt-set and
generation hashes) so tables can refuse to mix results made under different protocols.
"""

from __future__ import annotations

import dataclasses
import random
import statistics

from alma.commands import add_command, add_common, set_threads
from alma.config import SamplingParams, derive_seed, from_dict, parse_params
from alma.records import read_jsonl, sha256_file, write_json, write_jsonl


def cmd_generate_answers(args) -> None:
    """Greedy answers to one or more prompt sets; the base model is prompted 3-shot, others by chat."""
    from alma.backends import open_backend
    from alma.fewshot import ANSWER_STOP, answer_prompt, cut_at_stop
    from alma.models import resolve_model

    set_threads(args.threads)
    p = parse_params(args.params)
    if len(args.prompts) != len(args.out):
        raise ValueError(f"{len(args.prompts)} prompt sets but {len(args.out)} output paths")
    backend = open_backend(resolve_model(args.model), batch_size=64)
    sampling = from_dict(SamplingParams, {**p["sampling"], "seed": derive_seed(p["seed"], "eval")})
    shots = []
    if args.fewshot_from:
        demos = random.Random(0).sample(read_jsonl(args.fewshot_from, "seed_sft"), 3)
        shots = [(d["prompt"], d["response"]) for d in demos]
    for prompts_path, out_path in zip(args.prompts, args.out, strict=True):
        prompts = read_jsonl(prompts_path, "eval_prompt")
        if shots:
            texts = [answer_prompt(shots, r["text"]) for r in prompts]
            outputs = [[cut_at_stop(o[0], ANSWER_STOP)] for o in backend.generate(texts, sampling, stop=ANSWER_STOP)]
            template = "fewshot-3"
        else:
            outputs = backend.generate(backend.chat_texts([r["text"] for r in prompts]), sampling)
            template = "chat"
        records = [
            {
                "prompt_id": r["id"],
                "response_id": f"{r['id']}/{args.name}",
                "text": o[0].strip(),
                "checkpoint": args.name,
                "sample_index": 0,
                "sampling": {**dataclasses.asdict(sampling), "template": template},
                "seed": sampling.seed,
            }
            for r, o in zip(prompts, outputs, strict=True)
        ]
        write_jsonl(out_path, records, "response")


def _grade_oracle(p, prompts, answers) -> tuple[list[float | None], str]:
    from alma.mini.oracle import grade
    from alma.mini.universe import build_universe

    universe = build_universe(p["universe_seed"])
    return [grade(universe, q["text"], a["text"]) for q, a in zip(prompts, answers, strict=True)], "mini-oracle-v1"


def _grade_reward_model(args, prompts, answers) -> tuple[list[float | None], str]:
    from alma.evaluation.reward_model import reward_scores, to_ten_point
    from alma.models import resolve_model
    from alma.records import read_json

    model_dir = resolve_model(args.reward_model)
    calibration = read_json(args.reward_model)["metrics"]["calibration"]
    raw = reward_scores(model_dir, [q["text"] for q in prompts], [a["text"] for a in answers])
    return to_ten_point(
        raw, calibration["low"], calibration["high"]
    ), f"reward-model:{read_json(args.reward_model)['config_hash']}"


def grade_file(args, p, prompts_path: str, answers_path: str, out_path: str) -> None:
    prompts = read_jsonl(prompts_path, "eval_prompt")
    answers = read_jsonl(answers_path, "response")
    if [a["prompt_id"] for a in answers] != [q["id"] for q in prompts]:
        raise ValueError(f"{answers_path}: answers are not aligned with the prompts of {prompts_path}")
    if args.evaluator == "oracle":
        scores, evaluator_id = _grade_oracle(p, prompts, answers)
    elif args.evaluator == "reward_model":
        scores, evaluator_id = _grade_reward_model(args, prompts, answers)
    else:
        raise ValueError(f"unknown evaluator {args.evaluator!r}")
    valid = [s for s in scores if s is not None]
    write_json(
        out_path,
        {
            "model": args.name,
            "benchmark": prompts[0]["benchmark"],
            "evaluator": args.evaluator,
            "prompt_ids": [q["id"] for q in prompts],
            "scores": [None if s is None else round(float(s), 4) for s in scores],
            "categories": [q.get("category") for q in prompts],
            "mean": round(statistics.fmean(valid), 4) if valid else None,
            "n": len(scores),
            "n_missing": len(scores) - len(valid),
            "protocol": {
                "evaluator_id": evaluator_id,
                "template_hash": evaluator_id,
                "answer_template": answers[0]["sampling"].get("template", ""),
                "prompt_set_sha256": sha256_file(prompts_path),
                "generations_sha256": sha256_file(answers_path),
                "decoding": {k: v for k, v in answers[0]["sampling"].items() if k != "template"},
            },
        },
    )


def cmd_grade(args) -> None:
    set_threads(args.threads)
    p = parse_params(args.params)
    if not len(args.prompts) == len(args.answers) == len(args.out):
        raise ValueError("--prompts, --answers and --out need the same number of paths")
    for prompts_path, answers_path, out_path in zip(args.prompts, args.answers, args.out, strict=True):
        grade_file(args, p, prompts_path, answers_path, out_path)


def cmd_train_reward_model(args) -> None:
    """Train the reward-model evaluator and calibrate its 0-10 map (empty answer -> 0, reference -> 10)."""
    from alma.evaluation.reward_model import reward_scores, train_reward_model
    from alma.models import resolve_model, write_manifest

    set_threads(args.threads)
    p = parse_params(args.params)
    from pathlib import Path

    out_dir = Path(args.out).parent
    metrics = train_reward_model(args.pairs, resolve_model(args.base), out_dir, seed=p["seed"], **p["train"])
    pairs = read_jsonl(args.pairs, "dpo_pair")[:200]
    prompts = [r["prompt"][0]["content"] for r in pairs]
    good = reward_scores(out_dir, prompts, [r["chosen"][0]["content"] for r in pairs])
    empty = reward_scores(out_dir, prompts, [""] * len(prompts))
    metrics["calibration"] = {"low": round(statistics.fmean(empty), 6), "high": round(statistics.fmean(good), 6)}
    write_manifest(args.out, out_dir, base=args.base, data=[args.pairs], config=p, metrics=metrics)


def register(sub) -> None:
    c = add_command(sub, "generate-answers", cmd_generate_answers, "one model's answers to one prompt set")
    for flag in ("--model", "--name"):
        c.add_argument(flag, required=True)
    c.add_argument("--prompts", nargs="+", required=True)
    c.add_argument("--out", nargs="+", required=True)
    c.add_argument("--fewshot-from", help="seed SFT set: prompt the model 3-shot (base model row)")
    add_common(c)
    c = add_command(sub, "grade", cmd_grade, "grade answers with one evaluator")
    for flag in ("--name", "--evaluator"):
        c.add_argument(flag, required=True)
    for flag in ("--prompts", "--answers", "--out"):
        c.add_argument(flag, nargs="+", required=True)
    c.add_argument("--reward-model", help="reward model manifest (evaluator reward_model)")
    add_common(c)
    c = add_command(sub, "train-reward-model", cmd_train_reward_model, "train the reward-model evaluator")
    for flag in ("--base", "--pairs", "--out"):
        c.add_argument(flag, required=True)
    add_common(c)
