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
from alma.evaluation.grades import (
    Conversation,
    aligned,
    by_turn,
    chat_messages,
    grade_record,
    graded_turns,
    mean_of_turns,
)
from alma.records import read_json, read_jsonl, write_json, write_jsonl


def _answer_turn(backend, sampling, shots, histories: list[list[tuple[str, str]]], questions: list[str]) -> list[str]:
    """One answer per question, each generated after its conversation so far (``histories``: (question, answer)).

    With ``shots`` the base model continues the 3-shot text, earlier turns written as more request/answer
    pairs; otherwise the conversation is rendered by the model's chat template.
    """
    from alma.fewshot import ANSWER_STOP, answer_prompt, cut_at_stop

    if shots:
        texts = [answer_prompt(shots, q, h) for q, h in zip(questions, histories, strict=True)]
        return [cut_at_stop(o[0], ANSWER_STOP) for o in backend.generate(texts, sampling, stop=ANSWER_STOP)]
    conversations = [
        [*chat_messages(h), {"role": "user", "content": q}] for q, h in zip(questions, histories, strict=True)
    ]
    return [o[0].strip() for o in backend.generate(backend.conversation_texts(conversations), sampling)]


def _answer_followups(backend, sampling, shots, prompts: list[dict], first: list[str]) -> list[list[str]]:
    """Answers to every prompt's follow-up ``turns``, turn by turn, each after the conversation so far."""
    histories = [[(r["text"], a)] for r, a in zip(prompts, first, strict=True)]
    answers: list[list[str]] = [[] for _ in prompts]
    for k in range(max((len(r.get("turns") or []) for r in prompts), default=0)):
        todo = [i for i, r in enumerate(prompts) if len(r.get("turns") or []) > k]
        questions = [prompts[i]["turns"][k] for i in todo]
        outputs = _answer_turn(backend, sampling, shots, [histories[i] for i in todo], questions)
        for i, question, output in zip(todo, questions, outputs, strict=True):
            answers[i].append(output)
            histories[i].append((question, output))
    return answers


def cmd_generate_answers(args) -> None:
    """Greedy answers to one or more prompt sets; the base model is prompted 3-shot, others by chat.

    A prompt with follow-up ``turns`` (MT-Bench) gets one answer per turn: ``text`` answers the first,
    ``turns`` the follow-ups, each generated after the whole conversation before it.
    """
    from alma.backends import open_backend
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
        template = "fewshot-3" if shots else "chat"
        first = _answer_turn(backend, sampling, shots, [[] for _ in prompts], [r["text"] for r in prompts])
        followups = _answer_followups(backend, sampling, shots, prompts, first)
        records = [
            {
                "prompt_id": r["id"],
                "response_id": f"{r['id']}/{args.name}",
                "text": o.strip(),
                **({"turns": f} if r.get("turns") else {}),
                "checkpoint": args.name,
                "sample_index": 0,
                "sampling": {**dataclasses.asdict(sampling), "template": template},
                "seed": sampling.seed,
            }
            for r, o, f in zip(prompts, first, followups, strict=True)
        ]
        write_jsonl(out_path, records, "response")


@dataclasses.dataclass
class Grading:
    """One evaluator's grades of every answer of a job, before they are split into grade files."""

    scores: list[float | None]
    evaluator_id: str
    template_hash: str
    raw: list[float] | None = None
    """raw model scores behind ``scores`` (ArmoRM), written per file as ``raw_scores``"""
    protocol: dict = dataclasses.field(default_factory=dict)
    """evaluator-specific protocol fields (ArmoRM's 0-10 map)"""


def _grade_oracle(args, p, conversations: list[Conversation]) -> Grading:
    """The mini world's oracle grades the last question and its answer (its sets have no follow-up turns)."""
    from alma.mini.oracle import grade
    from alma.mini.universe import build_universe

    universe = build_universe(p["universe_seed"])
    scores = [grade(universe, c[-2]["content"], c[-1]["content"]) for c in conversations]
    return Grading(scores, "mini-oracle-v1", "mini-oracle-v1")


def _grade_reward_model(args, p, conversations: list[Conversation]) -> Grading:
    from alma.evaluation.reward_model import conversation_reward_scores, to_ten_point
    from alma.models import resolve_model

    manifest = read_json(args.reward_model)
    calibration = manifest["metrics"]["calibration"]
    raw = conversation_reward_scores(resolve_model(args.reward_model), conversations)
    evaluator_id = f"reward-model:{manifest['config_hash']}"
    return Grading(to_ten_point(raw, calibration["low"], calibration["high"]), evaluator_id, evaluator_id)


def _grade_armorm(args, p, conversations: list[Conversation]) -> Grading:
    """ArmoRM's raw preference scores and their 0-10 map (an assumption, see alma.evaluation.armorm)."""
    from alma.evaluation.armorm import DEFAULT_ANCHORS, armorm_conversation_scores, armorm_to_ten
    from alma.models import resolve_model

    anchors = tuple(p.get("anchors") or DEFAULT_ANCHORS)
    raw = armorm_conversation_scores(resolve_model(args.reward_model), conversations,
                                     batch_size=p.get("batch_size", 8),
                                     trust_remote_code=bool(p.get("trust_remote_code")))  # fmt: skip
    evaluator_id = f"armorm:{read_json(args.reward_model).get('base', '')}:anchors={anchors[0]},{anchors[1]}"
    protocol = {"to_ten": {"map": "clipped_affine", "anchors": list(anchors)}}
    return Grading(armorm_to_ten(raw, anchors), evaluator_id, "", raw=raw, protocol=protocol)


GRADERS = {"oracle": _grade_oracle, "reward_model": _grade_reward_model, "armorm": _grade_armorm}
"""``alma grade --evaluator`` -> grading function; ``gpt4o`` grades through ``alma grade-llm``."""


def cmd_grade(args) -> None:
    """Grade every answer set in one pass (a model evaluator loads once per job) and write one file per set."""
    set_threads(args.threads)
    p = parse_params(args.params)
    if not len(args.prompts) == len(args.answers) == len(args.out):
        raise ValueError("--prompts, --answers and --out need the same number of paths")
    if args.evaluator not in GRADERS:
        raise ValueError(f"unknown evaluator {args.evaluator!r} (use {', '.join(GRADERS)}; gpt4o: alma grade-llm)")
    if args.evaluator in ("reward_model", "armorm") and not args.reward_model:
        raise ValueError(f"evaluator {args.evaluator} needs --reward-model <manifest>")
    sets = [aligned(q, a) for q, a in zip(args.prompts, args.answers, strict=True)]
    conversations, order = graded_turns(sets)  # turn 2 of MT-Bench is graded on the whole conversation
    grading = GRADERS[args.evaluator](args, p, conversations)
    sizes = [len(prompts) for prompts, _ in sets]
    turn_scores = by_turn(order, grading.scores, sizes)
    raw = None if grading.raw is None else by_turn(order, [round(float(x), 6) for x in grading.raw], sizes)
    for s, ((prompts, answers), prompts_path, answers_path, out_path) in enumerate(
        zip(sets, args.prompts, args.answers, args.out, strict=True)
    ):
        extra = {}
        if raw is not None:  # per-turn lists only where a prompt has turns: single-turn files keep their format
            multi = any(len(t) > 1 for t in raw[s])
            extra = {"raw_turn_scores": raw[s]} if multi else {"raw_scores": [t[0] for t in raw[s]]}
        record = grade_record(
            name=args.name, evaluator=args.evaluator, evaluator_id=grading.evaluator_id,
            template_hash=grading.template_hash, prompts_path=prompts_path, answers_path=answers_path,
            prompts=prompts, answers=answers, scores=mean_of_turns(turn_scores[s]), extra=extra,
            protocol_extra=grading.protocol, turn_scores=turn_scores[s],
        )  # fmt: skip
        write_json(out_path, record)


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


def cmd_build_armorm_standin(args) -> None:
    """The ArmoRM stand-in (alma.evaluation.armorm_standin) in the manifest's directory, from a base's tokenizer."""
    from pathlib import Path

    from alma.evaluation.armorm_standin import build_armorm_standin
    from alma.models import resolve_model, write_manifest

    set_threads(args.threads)
    p = parse_params(args.params)
    base_dir = Path(args.base) if Path(args.base).is_dir() else resolve_model(args.base)
    out_dir = Path(args.out).parent
    seed = p.get("seed", 0)
    ratings = read_jsonl(args.ratings, "seed_judgment") if args.ratings else []
    if len(ratings) > p.get("fit_rows", 512):
        ratings = random.Random(seed).sample(ratings, p.get("fit_rows", 512))
    fit = {k: p[k] for k in ("anchors", "ridge") if k in p}
    metrics = build_armorm_standin(base_dir, out_dir, seed=seed, ratings=ratings, **fit, **p.get("shape", {}))
    write_manifest(args.out, out_dir, base=args.base, data=[args.ratings] if args.ratings else [], config=p,
                   metrics=metrics)  # fmt: skip


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
    c.add_argument("--reward-model", help="reward model manifest (evaluators reward_model and armorm)")
    add_common(c)
    c = add_command(sub, "build-armorm-standin", cmd_build_armorm_standin,
                    "a tiny model loaded and read like ArmoRM (remote code), with a base's tokenizer")  # fmt: skip
    c.add_argument("--base", required=True, help="manifest or directory of the model whose tokenizer is used")
    c.add_argument("--ratings", help="seed_judgment JSON Lines to fit the reward head to (default: random head)")
    c.add_argument("--out", required=True, help="manifest path; the model is written beside it")
    add_common(c)
    c = add_command(sub, "train-reward-model", cmd_train_reward_model, "train the reward-model evaluator")
    for flag in ("--base", "--pairs", "--out"):
        c.add_argument(flag, required=True)
    add_common(c)
