"""Stages that touch the outside world: hub datasets, API graders, alpaca-eval, lm-eval.

Examples::

    alma download-dataset --spec '{"repo": "nvidia/HelpSteer2", "revision": "<sha>", "split": "train"}' \\
        --converter helpsteer2 --out results/paper/data/judge_seed.jsonl
    alma hub-mirror --out resources/hub-mirror
    alma grade-llm --name round1 --prompts eval/lima.jsonl --answers answers/lima.jsonl --out eval/lima/gpt4o.json \\
        --params '{"base_url": "https://api.openai.com/v1", "model": "gpt-4o-2024-08-06", "cost_cap_usd": 50}'
    alma grade-llm --name round1 --serve-model results/small/instruct/manifest.json --prompts eval/lima.jsonl \\
        --answers answers/lima.jsonl --out eval/lima/gpt4o.json --params '{"model": "smollm2", "max_tokens": 256}'
    alma serve-openai --model results/small/instruct/manifest.json --port 8000
    alma alpacaeval --prompts eval/alpaca.jsonl --model-answers answers/alpaca.jsonl \\
        --reference-answers data/eval/alpaca_reference.jsonl --out eval/alpaca/alpacaeval.json --params '{}'
    alma lmeval --model results/mini/round1/model/manifest.json --tasks-dir results/mini/lm_tasks \\
        --out eval/lmeval.json --params '{"tasks": ["toy_mc", "toy_gen"]}'
    alma lmeval --model results/small/instruct/manifest.json --out eval/lmeval.json \\
        --params '{"tasks": ["gsm8k", "ifeval", "mmlu_high_school_geography"], "hub_mirror": "resources/hub-mirror"}'

Grade files follow the same contract as ``alma grade`` (:func:`alma.evaluation.grades.grade_record`);
ArmoRM grades through ``alma grade --evaluator armorm``.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from alma.commands import add_command, add_common, set_threads
from alma.config import parse_params
from alma.evaluation.grades import aligned, by_turn, grade_record, graded_turns, mean_of_turns
from alma.records import read_json, read_jsonl, sha256_file, sha256_text, write_json, write_jsonl

log = logging.getLogger(__name__)


def _public_url(url: str) -> str:
    """The URL without user:password (never written to results)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    return urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))


# -- download-dataset ------------------------------------------------------------------------------------------------


def cmd_download_dataset(args) -> None:
    from alma.sources import convert, load_rows, record_kind, source_name, subset

    try:
        spec = json.loads(args.spec)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--spec is not valid JSON: {exc.msg}") from None
    rows = load_rows(spec)
    source = source_name(spec)
    records = subset(convert(args.converter, rows, source=source, benchmark=args.benchmark), args.size, args.seed)
    count = write_jsonl(args.out, records, record_kind(args.converter))
    log.info("%s: %d of %d rows -> %s (%s)", source, count, len(rows), args.out, record_kind(args.converter))
    if spec.get("hub_mirror") and source != spec.get("local_path"):
        log.info("%s stands for %s@%s", source, spec.get("repo"), spec.get("revision"))


def cmd_hub_mirror(args) -> None:
    from alma.hub_mirror import write_mirror

    manifest = write_mirror(args.out)
    log.info("%s: %d files of the hub mirror and MANIFEST.json", args.out, len(manifest["files"]))


# -- grade-llm -------------------------------------------------------------------------------------------------------


def _grade_llm_sets(args, p, base_url: str, model: str, api_key_env: str | None, endpoint: dict[str, Any]) -> None:
    """Grade every (prompts, answers) pair of files through one endpoint and write their grade files."""
    from alma.evaluation.grader import (
        MULTI_TURN_HASH,
        MULTI_TURN_VERSION,
        TEMPLATE_HASH,
        TEMPLATE_VERSION,
        Grader,
        GraderError,
    )

    cap = p.get("cost_cap_usd")
    spent = 0.0
    for prompts_path, answers_path, out_path in zip(args.prompts, args.answers, args.out, strict=True):
        prompts, answers = aligned(prompts_path, answers_path)
        grader = Grader(
            base_url=base_url, model=model, api_key_env=api_key_env,
            cache_path=args.cache or f"{out_path}.cache.jsonl", max_retries=p.get("max_retries", 3),
            cost_cap_usd=None if cap is None else cap - spent, price_per_1k_in=p.get("price_per_1k_in", 0.0),
            price_per_1k_out=p.get("price_per_1k_out", 0.0), timeout=p.get("timeout", 120.0),
            max_tokens=p.get("max_tokens", 512), backoff_s=p.get("backoff_s", 2.0), workers=p.get("workers", 1),
        )  # fmt: skip
        conversations, order = graded_turns([(prompts, answers)])  # follow-up turns: multi-turn template
        contexts = [[(c[k]["content"], c[k + 1]["content"]) for k in range(0, len(c) - 2, 2)] for c in conversations]
        try:
            flat = grader.grade([c[-2]["content"] for c in conversations], [c[-1]["content"] for c in conversations],
                                contexts)  # fmt: skip
        except GraderError as exc:
            raise ValueError(str(exc)) from None  # one line for the user, as for every input/environment error
        turn_scores = by_turn(order, flat, [len(prompts)])[0]
        scores = mean_of_turns(turn_scores)
        spent += grader.cost_usd
        counters = grader.counters()
        template = {"template_version": TEMPLATE_VERSION}
        template_hash = TEMPLATE_HASH
        if any(len(t) > 1 for t in turn_scores):  # both templates graded this file: its hash covers both
            template = {**template, "turn_template_version": MULTI_TURN_VERSION}
            template_hash = sha256_text(json.dumps([TEMPLATE_HASH, MULTI_TURN_HASH]))
        extra = {"calls": counters["calls"], "cache_hits": counters["cache_hits"], "cost_usd": counters["cost_usd"],
                 "grader": {"model": model, **endpoint, **template, "temperature": 0.0,
                            "max_tokens": grader.max_tokens}}  # fmt: skip
        write_json(out_path, grade_record(
            name=args.name, evaluator=args.evaluator, evaluator_id=f"llm-grader:{model}:{TEMPLATE_VERSION}",
            template_hash=template_hash, prompts_path=prompts_path, answers_path=answers_path, prompts=prompts,
            answers=answers, scores=scores, extra=extra, turn_scores=turn_scores,
        ))  # fmt: skip
        log.info("%s: mean %s over %d answers (%d calls, %d cached, %.4f USD)", out_path,
                 statistics.fmean([s for s in scores if s is not None] or [float("nan")]), len(scores),
                 counters["calls"], counters["cache_hits"], counters["cost_usd"])  # fmt: skip


def cmd_grade_llm(args) -> None:
    if not len(args.prompts) == len(args.answers) == len(args.out):
        raise ValueError("--prompts, --answers and --out need the same number of paths")
    p = parse_params(args.params)
    if not args.serve_model:
        for key in ("base_url", "model"):
            if not p.get(key):
                raise ValueError(f"--params needs {key!r} (the OpenAI-compatible endpoint and the grader model)")
        endpoint = {"endpoint": _public_url(p["base_url"])}
        _grade_llm_sets(args, p, p["base_url"], p["model"], p.get("api_key_env", "OPENAI_API_KEY"), endpoint)
        return
    from alma.evaluation.local_endpoint import LOCAL_KEY_ENV, served_endpoint, served_model_identity

    # The served weights name the grader (and key its cache): other weights under the same name regrade.
    model = f"{p.get('model') or 'local'}@{served_model_identity(args.serve_model)}"
    endpoint = {"endpoint": "alma serve-openai (127.0.0.1)", "served_model": args.serve_model,
                "served_model_base": read_json(args.serve_model).get("base")}  # fmt: skip
    # The local server accepts any key; a placeholder fills the header, the real key stays out of its process.
    os.environ[LOCAL_KEY_ENV] = "local-placeholder"
    hidden = [p.get("api_key_env", "OPENAI_API_KEY"), LOCAL_KEY_ENV]
    with served_endpoint(args.serve_model, threads=args.threads, timeout_s=p.get("serve_timeout_s", 600.0),
                         hide_env=hidden) as served:  # fmt: skip
        _grade_llm_sets(args, p, served.base_url, model, LOCAL_KEY_ENV, endpoint)


def cmd_serve_openai(args) -> None:
    """Serve a local model over the OpenAI chat-completions protocol until stopped (see local_server)."""
    from alma.evaluation.local_server import serve
    from alma.models import resolve_model

    set_threads(args.threads)
    model_dir = Path(args.model) if Path(args.model).is_dir() else resolve_model(args.model)
    serve(model_dir, port=args.port, ready_file=args.ready_file, parent_pid=args.parent_pid, name=args.served_name)


# -- alpacaeval ------------------------------------------------------------------------------------------------------


def _local_judge(args, p, instructions: list[str], outputs: list[list[str]]):
    """A ``prefer`` function and its id: higher reward-model score (``--judge-manifest``) or mini-oracle grade wins."""
    if args.judge_manifest:
        from alma.evaluation.reward_model import reward_scores
        from alma.models import resolve_model

        model_dir = resolve_model(args.judge_manifest)
        # Weights' hashes, path and config identify the judge (not the code version, which changes per commit).
        manifest = read_json(args.judge_manifest)
        identity = [manifest.get("files"), manifest.get("path"), manifest.get("config_hash")]
        judge_id = "reward-model:" + sha256_text(json.dumps(identity, sort_keys=True))[:16]

        def score_all(questions: list[str], texts: list[str]) -> list[float | None]:
            return list(reward_scores(model_dir, questions, texts))
    elif p.get("judge") == "oracle":
        from alma.mini.oracle import grade
        from alma.mini.universe import build_universe

        universe = build_universe(p["universe_seed"])
        judge_id = f"mini-oracle:{p['universe_seed']}"

        def score_all(questions: list[str], texts: list[str]) -> list[float | None]:
            return [grade(universe, q, t) for q, t in zip(questions, texts, strict=True)]
    else:
        return None, ""
    # Score every (instruction, output) once, in one pass: alpaca-eval asks pair by pair, in shuffled order.
    pairs = [(q, t) for texts in outputs for q, t in zip(instructions, texts, strict=True)]
    table = dict(zip(pairs, score_all([q for q, _ in pairs], [t for _, t in pairs]), strict=True))

    def prefer(instruction: str, output_1: str, output_2: str) -> int:
        a, b = table.get((instruction, output_1)), table.get((instruction, output_2))
        a, b = (float("-inf") if a is None else a), (float("-inf") if b is None else b)
        return 0 if a == b else (1 if a > b else 2)

    return prefer, judge_id


def cmd_alpacaeval(args) -> None:
    from alma.evaluation.alpacaeval import OFFICIAL_ANNOTATOR, run_alpacaeval

    set_threads(args.threads)
    p = parse_params(args.params)
    prompts, answers = aligned(args.prompts, args.model_answers)
    by_prompt = {r["prompt_id"]: r for r in read_jsonl(args.reference_answers, "response")}
    missing = [q["id"] for q in prompts if q["id"] not in by_prompt]
    if missing:
        raise ValueError(
            f"{args.reference_answers}: no reference answer for {len(missing)} prompts (e.g. {missing[0]})"
        )
    references = [by_prompt[q["id"]] for q in prompts]
    instructions = [q["text"] for q in prompts]
    name = args.name or answers[0]["checkpoint"]
    prefer, judge_id = _local_judge(
        args, p, instructions, [[a["text"] for a in answers], [r["text"] for r in references]]
    )
    model_outputs = [{"instruction": q["text"], "output": a["text"], "dataset_index": q.get("dataset_index", i)}
                     for i, (q, a) in enumerate(zip(prompts, answers, strict=True))]  # fmt: skip
    reference_outputs = [{"instruction": q["text"], "output": r["text"], "generator": r["checkpoint"]}
                         for q, r in zip(prompts, references, strict=True)]  # fmt: skip
    out = Path(args.out)
    work = Path(p.get("work_dir") or out.parent / f"{out.stem}_cache")  # alpaca-eval annotation cache: reruns are free
    annotator = prefer or p.get("annotator", OFFICIAL_ANNOTATOR)
    protocol: dict[str, Any] = {}
    if args.serve_model:
        if prefer:
            raise ValueError("--serve-model answers an alpaca-eval annotator config; the local judge needs no server")
        from alma.evaluation.local_endpoint import served_endpoint, served_model_identity

        served_id = served_model_identity(args.serve_model)
        protocol["served_model"] = {"base": read_json(args.serve_model).get("base"), "identity": served_id,
                                    "manifest_sha256": sha256_file(args.serve_model)}  # fmt: skip
        # The server has no use for a real OpenAI key: it does not inherit one.
        with served_endpoint(args.serve_model, threads=args.threads, timeout_s=p.get("serve_timeout_s", 600.0),
                             hide_env=["OPENAI_API_KEY", "OPENAI_API_KEYS"]) as served:  # fmt: skip
            result = run_alpacaeval(model_outputs, reference_outputs, annotator, work, name, judge_id=served_id,
                                    base_url=served.base_url)  # fmt: skip
    else:
        result = run_alpacaeval(
            model_outputs, reference_outputs, annotator, work, name, judge_id=judge_id or "local-judge"
        )
    write_json(args.out, {
        "model": name, "benchmark": prompts[0]["benchmark"], "evaluator": args.evaluator, **result,
        "protocol": {"evaluator_id": f"alpacaeval:{result['annotator']}", "lc_glm": result["lc_glm"],
                     "reference": references[0]["checkpoint"], "prompt_set_sha256": sha256_file(args.prompts),
                     "generations_sha256": sha256_file(args.model_answers),
                     "reference_sha256": sha256_file(args.reference_answers), **protocol},
    })  # fmt: skip


# -- lmeval ----------------------------------------------------------------------------------------------------------


def cmd_lmeval(args) -> None:
    set_threads(args.threads)
    from alma.evaluation.lmeval import run_lmeval
    from alma.models import resolve_model

    p = parse_params(args.params)
    if not p.get("tasks"):
        raise ValueError("--params needs 'tasks' (lm-eval task names, e.g. from --tasks-dir)")
    results = run_lmeval(resolve_model(args.model), p["tasks"], include_path=args.tasks_dir or None, limit=p.get("limit"),
                         apply_chat_template=p.get("apply_chat_template", True), batch_size=p.get("batch_size", 8),
                         device=p.get("device"), hub_mirror=p.get("hub_mirror"),
                         gen_kwargs=p.get("gen_kwargs"))  # fmt: skip
    protocol = {"tasks": list(p["tasks"]), "limit": p.get("limit"),
                "apply_chat_template": p.get("apply_chat_template", True),
                "model_manifest_sha256": sha256_file(args.model)}  # fmt: skip
    if p.get("gen_kwargs"):  # a result with shorter generations than the tasks define says so
        protocol["gen_kwargs"] = p["gen_kwargs"]
    if p.get("hub_mirror"):  # registered tasks read their data sets from this mirror, not the hub
        protocol["hub_mirror"] = p["hub_mirror"]
    write_json(args.out, {"model": args.name or read_json(args.model).get("base", ""), "evaluator": "lmeval",
                          "results": results, "protocol": protocol})  # fmt: skip


def register(sub) -> None:
    """Add download-dataset, hub-mirror, grade-llm, serve-openai, alpacaeval and lmeval to the ``alma`` CLI."""
    c = add_command(sub, "download-dataset", cmd_download_dataset, "fetch a hub dataset and convert it to records")
    c.add_argument("--spec", required=True, help='JSON {"repo", "revision", "split", "name"?, "data_files"?, '
                                                 '"local_path"?, "hub_mirror"?}')  # fmt: skip
    c.add_argument("--converter", required=True, help="daring_anteater, helpsteer2, lima, mtbench, arena_hard, alpaca, "
                                                      "sr, alpaca_reference or rewardbench")  # fmt: skip
    c.add_argument("--out", required=True)
    c.add_argument("--benchmark", help="benchmark name of eval prompts (default: the converter name)")
    c.add_argument("--size", type=int, help="keep a seeded subset of this many records")
    c.add_argument("--seed", type=int, default=0, help="subset seed")

    c = add_command(sub, "hub-mirror", cmd_hub_mirror, "write the small local mirror of the hub data sets")
    c.add_argument("--out", required=True, help="mirror directory (the shipped one: resources/hub-mirror)")

    c = add_command(sub, "grade-llm", cmd_grade_llm, "grade answers 0-10 through an OpenAI-compatible endpoint")
    c.add_argument("--name", required=True, help="the model being graded")
    c.add_argument("--evaluator", default="gpt4o")
    for flag in ("--prompts", "--answers", "--out"):
        c.add_argument(flag, nargs="+", required=True)
    c.add_argument("--cache", help="JSON Lines grading cache (default: <out>.cache.jsonl)")
    c.add_argument("--serve-model", help="manifest of a local model to grade with, served by alma "
                                         "serve-openai on a free localhost port (params base_url unused)")  # fmt: skip
    add_common(c)

    c = add_command(sub, "serve-openai", cmd_serve_openai, "serve a local model as an OpenAI-compatible chat endpoint")
    c.add_argument("--model", required=True, help="manifest or directory of the model")
    c.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    c.add_argument("--ready-file", help="JSON {port, pid} written once the model answers")
    c.add_argument("--parent-pid", type=int, help="stop when this process is gone")
    c.add_argument("--served-name", help="model name in /v1/models (default: the directory's name)")
    add_common(c, params=False)

    c = add_command(sub, "alpacaeval", cmd_alpacaeval, "AlpacaEval 2.0 win rate and LC win rate")
    for flag in ("--prompts", "--model-answers", "--reference-answers", "--out"):
        c.add_argument(flag, required=True)
    c.add_argument("--judge-manifest", help="local reward-model judge (else params.judge or the official annotator)")
    c.add_argument("--serve-model", help="manifest of a local model answering the annotator config's OpenAI "
                                         "requests, served by alma serve-openai on a free localhost port")  # fmt: skip
    c.add_argument("--name", help="model name (default: the answers' checkpoint)")
    c.add_argument("--evaluator", default="alpacaeval")
    add_common(c)

    c = add_command(sub, "lmeval", cmd_lmeval, "lm-eval tasks on one model")
    for flag in ("--model", "--out"):
        c.add_argument(flag, required=True)
    c.add_argument("--tasks-dir", help="directory of local task YAMLs (default: lm-eval's registered tasks only)")
    c.add_argument("--name", help="model name (default: the manifest's base)")
    add_common(c)
