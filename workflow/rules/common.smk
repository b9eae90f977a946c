# Helpers only (no rules): paths, rounds, sources and the per-rule config sections.
# The round logic itself lives in alma.responses and is unit-tested there.
import json
import shlex
from pathlib import Path

import yaml

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from alma.config import check_shared_upstream, upstream_view
from alma.responses import active_sources, checkpoint_for_source, samples_per_source

validate(config, schema="../schemas/config.schema.yaml")

RUN = config["run"]
R = f"results/{RUN}"
LOGS = f"logs/{RUN}"
BENCH = f"benchmarks/{RUN}"
# Upstream of the feedback rounds (base, seed sets, initial SFT, judge, prompt pool, evaluators)
# lives in S. An ablation run (config/ablations/) names its baseline in `shared_run`: it reads that
# run's upstream, never rebuilds or writes it, and keeps only its rounds, evaluations and tables in R.
SHARED_RUN = config.get("shared_run") or RUN
OWNS_UPSTREAM = SHARED_RUN == RUN
S = f"results/{SHARED_RUN}"
S_LOGS = f"logs/{SHARED_RUN}"
S_BENCH = f"benchmarks/{SHARED_RUN}"
if not OWNS_UPSTREAM:
    try:
        check_shared_upstream(config, Path(S, "upstream.json"))
    except ValueError as error:
        raise WorkflowError(str(error)) from None
FINAL_ROUND = config["rounds"]["feedback_rounds"] + 1
FEEDBACK_ROUNDS = list(range(2, FINAL_ROUND + 1))
BENCHMARKS = list(config["evaluation"]["benchmarks"])
EVALUATORS = config["evaluation"]["evaluators"]
SHARDS = list(range(config["rounds"]["shards"]))
SYNTH_SHARDS = list(range(config["prompt_synthesis"]["shards"]))
IS_MINI = config["world"] == "mini"
JUDGE_VARIANT = config["judge"]["variant"]
if JUDGE_VARIANT == "oracle" and not IS_MINI:
    raise WorkflowError(
        "judge.variant: oracle exists only in the mini world (world: mini), where a program knows every answer"
    )
EVAL_MODELS = ["base", *[f"round{r}" for r in range(1, FINAL_ROUND + 1)], "instruct"]
SHARED_MODELS = ("base", "round1", "instruct")  # upstream models: evaluated once, in S


wildcard_constraints:
    round=r"\d+",
    shard=r"\d+",
    source=r"sft1|sft2|latest",
    model=r"base|instruct|sft[12]|round\d+",
    benchmark=r"[a-z_]+",
    evaluator=r"[a-z_0-9]+",
    variant=r"fewshot_int|ft_int|ft_real|ft_real_distill",


def as_param(section):
    """A config section as one shell-quoted JSON argument for `alma ... --params`."""
    return shlex.quote(json.dumps(section, sort_keys=True))


def eval_root(model):
    """Where a model's evaluations live: upstream models' in S, round models' in this run."""
    return S if model in SHARED_MODELS else R


def manifest_of(model):
    """The manifest (declared output) of a named model."""
    if model == "base":
        return f"{S}/base/manifest.json"
    if model == "instruct":
        return f"{S}/instruct/manifest.json"
    if model in ("sft1", "sft2", "round1"):
        return f"{S}/round1/{'sft1' if model == 'round1' else model}/manifest.json"
    return f"{R}/{model}/model/manifest.json"


def judge_manifest():
    """The fixed judge used by every feedback round (config judge.variant)."""
    return judge_manifest_for(JUDGE_VARIANT)


def judge_flag(wildcards, input):
    """`--judge <manifest>` for a learned judge; the oracle reads no model."""
    return f"--judge {input.judge}" if input.judge else ""


def judge_manifest_for(variant):
    """The model a judge variant scores with; none for the oracle (mini world), a program."""
    if variant == "oracle":
        return []
    if variant == "fewshot_int":
        return manifest_of("base")
    if variant in ("ft_int", "ft_real"):
        return f"{S}/judge/ft/manifest.json"
    return f"{S}/judge/distill/model/manifest.json"


def sources_for_round(round_number):
    """Sources that sample in a feedback round, with their share of N."""
    rounds = config["rounds"]
    return samples_per_source(
        round_number, rounds["sources"], rounds["ratio"], rounds["responses_per_prompt"]
    )


def response_files(wildcards):
    return response_files_of_round(int(wildcards.round))


def judgment_files(wildcards):
    return judgment_files_of_round(int(wildcards.round))


def response_files_of_round(r):
    """Every sample of feedback round ``r`` (none before round 2)."""
    if r < 2:
        return []
    return [
        f"{R}/round{r}/responses/{s}/shard{k}.jsonl"
        for s in sources_for_round(r)
        for k in SHARDS
    ]


def judgment_files_of_round(r):
    """The judge's scores of every sample of feedback round ``r`` (none before round 2)."""
    if r < 2:
        return []
    return [
        f"{R}/round{r}/judgments/{s}/shard{k}.jsonl"
        for s in sources_for_round(r)
        for k in SHARDS
    ]


def sampler_manifest(wildcards):
    """The checkpoint that plays `source` in this round."""
    return manifest_of(checkpoint_for_source(wildcards.source, int(wildcards.round)))


def sampling_params(wildcards):
    r = int(wildcards.round)
    section = {
        "sampling": config["rounds"]["sampling"],
        "n": sources_for_round(r)[wildcards.source],
        "seed": config["seed"],
    }
    return as_param(section)


def previous_ledger(wildcards):
    r = int(wildcards.round)
    return [] if r == 2 else [f"{R}/round{r - 1}/ledger.jsonl"]


def ledger_flag(wildcards, input):
    return f"--ledger {input.ledger}" if input.ledger else ""


def data_for_round(wildcards):
    """D1 ∪ D2 ∪ ... ∪ D_r: the seed SFT set plus every feedback round's best-of-N data."""
    r = int(wildcards.round)
    return [f"{S}/seed/sft_messages.jsonl"] + [
        f"{R}/round{k}/data/best.jsonl" for k in range(2, r + 1)
    ]


def init_for_round(wildcards):
    """M0 for every round (paper), or the previous round's model with rounds.init: latest."""
    r = int(wildcards.round)
    if config["rounds"]["init"] == "latest":
        return manifest_of(checkpoint_for_source("latest", r))
    return manifest_of("base")


def answers_model(wildcards):
    return manifest_of(wildcards.model)


def fewshot_flag(wildcards, input):
    return f"--fewshot-from {input.seed_sft}" if wildcards.model == "base" else ""


def grader_inputs(wildcards):
    inputs = {
        "prompts": expand(
            f"{S}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS
        ),
        "answers": expand(
            f"{R}/eval/{wildcards.model}/{{benchmark}}/answers.jsonl",
            benchmark=BENCHMARKS,
        ),
    }
    if wildcards.evaluator in ("reward_model", "armorm"):
        inputs["reward_model"] = f"{S}/reward_model/manifest.json"
    return inputs


def reward_model_flag(wildcards, input):
    return (
        f"--reward-model {input.reward_model}" if "reward_model" in input.keys() else ""
    )


def grade_section(wildcards):
    """`alma grade` params: the oracle's universe; for ArmoRM, reward_model.trust_remote_code (its
    modelling code ships with it) and reward_model.anchors of the 0-10 map where set."""
    section = {"universe_seed": config.get("mini", {}).get("universe_seed", 0)}
    if wildcards.evaluator == "armorm":
        reward_model = config["reward_model"]
        section["trust_remote_code"] = reward_model.get("trust_remote_code", False)
        if reward_model.get("anchors"):
            section["anchors"] = reward_model["anchors"]
    return as_param(section)


def grader_serve():
    """The model config `grader.serve` names (served locally for the LLM grader), or None."""
    return config.get("grader", {}).get("serve")


def served_manifest(key, served):
    """The manifest a `serve` key names: `judge` is the rounds' fixed judge (it answers in the
    grader's [[rating]] format), any other value a model of the run (base, instruct)."""
    manifest = judge_manifest() if served == "judge" else manifest_of(served)
    if not manifest:
        raise WorkflowError(f"{key}: judge, but the oracle judge is no model to serve")
    return manifest


def llm_grader_inputs(wildcards):
    """Prompts and answers; with `grader.serve`, the served model's manifest too."""
    inputs = grader_inputs(wildcards)
    served = grader_serve()
    if served:
        inputs["serve"] = served_manifest("grader.serve", served)
    return inputs


def serve_flag(wildcards, input):
    return f"--serve-model {input.serve}" if "serve" in input.keys() else ""


def llm_grader_section():
    """The grader's endpoint settings (`serve` travels as --serve-model, an input)."""
    return as_param({k: v for k, v in config["grader"].items() if k != "serve"})


def alpacaeval_inputs(wildcards):
    """Prompts, the model's answers, the reference outputs, (reward-model annotator) the judge and
    (`evaluation.alpacaeval.serve`) the model served locally to answer the annotator config's requests.
    """
    ae = config["evaluation"]["alpacaeval"]
    prompt_set = ae["prompt_set"]
    inputs = {
        "prompts": f"{S}/eval/prompts/{prompt_set}.jsonl",
        "answers": f"{R}/eval/{wildcards.model}/{prompt_set}/answers.jsonl",
        "reference": (
            f"{eval_root(ae['reference'])}/eval/{ae['reference']}/{prompt_set}/answers.jsonl"
            if ae["reference"] in EVAL_MODELS
            else f"{S}/data/eval/alpacaeval_reference.jsonl"
        ),
    }
    if ae["annotator"] == "reward_model":
        inputs["judge"] = f"{S}/reward_model/manifest.json"
    served = ae.get("serve")
    if served:
        inputs["serve"] = served_manifest("evaluation.alpacaeval.serve", served)
    return inputs


def alpacaeval_section():
    annotator = config["evaluation"]["alpacaeval"]["annotator"]
    if annotator == "oracle":
        return as_param(
            {"judge": "oracle", "universe_seed": config["mini"]["universe_seed"]}
        )
    return as_param({} if annotator == "reward_model" else {"annotator": annotator})


def judge_manifest_flag(wildcards, input):
    return f"--judge-manifest {input.judge}" if "judge" in input.keys() else ""


def alpacaeval_model_flags(wildcards, input):
    """`--judge-manifest` and `--serve-model` of the alpacaeval jobs (empty for neither, so the command is unchanged)."""
    return " ".join(
        f
        for f in (judge_manifest_flag(wildcards, input), serve_flag(wildcards, input))
        if f
    )


def lmeval_inputs(wildcards):
    inputs = {"model": manifest_of(wildcards.model)}
    if IS_MINI:
        inputs["tasks"] = f"{S}/mini/lmeval_tasks"
    return inputs


def lmeval_section(wildcards):
    """lm-eval settings; base models get no chat template (they never learned one).

    With a `hub_mirror`, lm-eval's registered tasks read their data sets from it (alma.evaluation.lmeval_mirror);
    without one the key is left out, so the job's params are those of a hub run.
    """
    section = {
        k: v for k, v in config["evaluation"]["lmeval"].items() if k != "per_task"
    }
    if config.get("hub_mirror"):
        section["hub_mirror"] = config["hub_mirror"]
    return as_param({**section, "apply_chat_template": wildcards.model != "base"})


def tasks_dir_flag(wildcards, input):
    return f"--tasks-dir {input.tasks}" if "tasks" in input.keys() else ""


def standard_evaluations():
    """AlpacaEval and lm-eval results of every evaluated model (what the config asks for)."""
    evaluation = config["evaluation"]
    kinds = [k for k in ("alpacaeval", "lmeval") if evaluation.get(k)]
    return [f"{eval_root(m)}/eval/{m}/{k}.json" for m in EVAL_MODELS for k in kinds]


def all_evaluations():
    return [
        f"{eval_root(m)}/eval/{m}/{b}/{e}.json"
        for m in EVAL_MODELS
        for b in BENCHMARKS
        for e in EVALUATORS
    ]


ACCELERATE_CONFIG = "workflow/accelerate/fsdp.yaml"


def launcher(wildcards, resources):
    """`alma` for a job with at most one GPU; with several, `alma.launch`, which runs `accelerate launch`
    (FSDP) over the GPUs the node really shows, or the command in-process where it shows none.
    """
    gpus = int(getattr(resources, "gpu", 0) or 0)
    if gpus <= 1:
        return "alma"
    return f"python -m alma.launch --gpus {gpus} --config-file {ACCELERATE_CONFIG} --"


def train_section(kind, seed):
    return as_param({"train": config["train"][kind], "seed": seed})


SHIPPED_MODELS = {
    "base_model": ("resources/mini-base", "pretrain.json"),
    "instruct_model": ("resources/mini-instruct", "manifest.json"),
    "reward_model": ("resources/mini-reward-model", "manifest.json"),
}
"""config section -> (directory, record written last by its rebuild rule) of what the mini world ships."""


def shipped_model_inputs(section):
    """The mini world ships its base and its stand-ins for Llama-3-8B-Instruct and ArmoRM; requiring
    the record their rebuild rule writes last lets --forcerun rebuild them (pretrain_mini_base,
    build_mini_instruct, build_mini_reward_model). Hub models are downloaded inside the job instead.
    """
    directory, record = SHIPPED_MODELS[section]
    shipped = IS_MINI and config[section].get("path") == directory
    return [f"{directory}/{record}"] if shipped else []


def base_model_section():
    """The base model's config; outside the mini world (whose base the project builds with its chat
    format) prepare-base also checks that the base can be trained on chats and stops at a turn's end.
    """
    return {**config["base_model"], **({} if IS_MINI else {"check_chat": True})}


def built_reward_model():
    """The manifest of a reward model this run builds (reward_model.build), which prepare-base then reads."""
    reward_model = config["reward_model"]
    return (
        [f"{reward_model['path']}/manifest.json"] if reward_model.get("build") else []
    )


def judge_seed_responder():
    """Mini world: the model whose answers the simulated annotators rate (mini.judge_seed_responder:
    the instruct stand-in, playing HelpSteer2's other labs' models, or an initial SFT model, whose
    mistakes are the ones the rounds' samples make). Hub: none, the annotations are downloaded.
    """
    if not IS_MINI:
        return []
    return [manifest_of(config["mini"].get("judge_seed_responder", "instruct"))]


def seed_section(kind):
    """The config a seed-building job needs (world, sizes, seeds, local paths)."""
    mini = config.get("mini", {})
    data = config.get("data", {})
    common = {
        "world": config["world"],
        "seed": config["seed"],
        "universe_seed": mini.get("universe_seed", 0),
    }
    if kind == "sft":
        return {
            **common,
            "size": config["seed_data"]["sft_size"],
            "path": data.get("sft_path"),
        }
    if kind == "judge":
        return {
            **common,
            "prompts": config["seed_data"]["judge_prompts"],
            "annotator_noise": mini.get("annotator_noise", 0.0),
            "path": data.get("judge_path"),
        }
    return {**common, "benchmarks": config["evaluation"]["benchmarks"]}


def manifest_of_source(wildcards):
    return manifest_of(wildcards.source)


def judge_template():
    """judge.template (schema default: standard, the paper's prompt)."""
    return {"template": config["judge"]["template"]}


def distill_train():
    """Self-distillation continues the fine-tuned judge: judge.train, with judge.distill_epochs and
    judge.distill_learning_rate where not null."""
    judge = config["judge"]
    train = dict(judge["train"])
    if judge["distill_epochs"] is not None:
        train["epochs"] = judge["distill_epochs"]
    if judge["distill_learning_rate"] is not None:
        train["learning_rate"] = judge["distill_learning_rate"]
    return train


def distill_replay_flag():
    """How many annotated examples the self-distillation replays (judge.distill_replay; null: all)."""
    replay = config["judge"]["distill_replay"]
    return "" if replay is None else f"--replay {replay} --seed {config['seed']}"


def judge_section(variant):
    if variant == "oracle":
        return {"variant": variant, "universe_seed": config["mini"]["universe_seed"]}
    return {
        "variant": variant,
        "judge_id": config["base_model"]["name"],
        "batch_size": config["judge"]["batch_size"],
        **judge_template(),
    }


def judge_manifest_of_variant(wildcards):
    return judge_manifest_for(wildcards.variant)


def variant_section(wildcards):
    """Judge settings; in the mini world held-out accuracy is measured against the oracle."""
    section = judge_section(wildcards.variant)
    if IS_MINI:
        section["oracle_universe_seed"] = config["mini"]["universe_seed"]
    return as_param(section)


def initial_sft_section(wildcards):
    return train_section("sft", config["train"]["seeds"][int(wildcards.seed_index) - 1])


def previous_model(wildcards):
    return manifest_of(checkpoint_for_source("latest", int(wildcards.round)))


def round_dpo_section(wildcards):
    return train_section(
        "dpo", config["train"]["seeds"][0] + 100 * int(wildcards.round)
    )


def round_train_section(wildcards):
    return train_section(
        "sft", config["train"]["seeds"][0] + 100 * int(wildcards.round)
    )


# How the shipped stand-ins were built. Fixed here, not read from a run's config: a run's own
# training settings (e.g. the tests config's 1-epoch SFT) must never make Snakemake rebuild, and so
# overwrite, a file that every run reads. Only the sizes (mini.instruct_examples,
# mini.reward_model_pairs) and the universe come from the config, as they name what is shipped.
MINI_INSTRUCT_BUILD = {
    "seed": 7,
    "train": {
        "batch_size": 16,
        "epochs": 3,
        "learning_rate": 1.0e-3,
        "max_length": 256,
        "warmup_ratio": 0.05,
    },
}
MINI_REWARD_MODEL_BUILD = {
    "seed": 0,
    "train": {"batch_size": 16, "epochs": 2, "lr": 1.0e-3, "max_length": 256},
}


def shipped_build_data(size_key):
    """The training set of a shipped stand-in: its size from the config, the data seed fixed at 0."""
    mini = config["mini"]
    return {"universe_seed": mini["universe_seed"], size_key: mini[size_key], "seed": 0}


def judge_evaluations():
    datasets = (
        ["heldout", "rewardbench"] if "rewardbench" in config["judge"] else ["heldout"]
    )
    return expand(
        f"{S}/judge/eval/{{variant}}/{{dataset}}.json",
        variant=config["judge"]["evaluate_variants"],
        dataset=datasets,
    )


def rewardbench_data():
    """The RewardBench rows the judge is measured on: the mini fixture, or the local hub copy."""
    return (
        f"{S}/mini/rewardbench.jsonl"
        if IS_MINI
        else config["judge"]["rewardbench"]["path"]
    )


def paper_outputs():
    """What `all` builds. An ablation run builds its curve, Table 1 and cost table; the judge's tables,
    Figure 3, the check against the paper and the upstream record belong to the run that built the judge.
    """
    upstream = [
        f"{R}/upstream.json",
        f"{R}/paper/tables/table2_judge.md",
        f"{R}/paper/figures/judge_diagnostics.png",
        *([f"{R}/paper/figures/best_of_n.png"] if IS_MINI and FINAL_ROUND >= 2 else []),
        f"{R}/paper/check.csv",
    ]
    return [
        f"{R}/paper/round_curve.csv",
        f"{R}/paper/figures/round_curve.png",
        f"{R}/paper/tables/table1.md",
        *([f"{R}/paper/claims.md"] if FINAL_ROUND >= 2 else []),
        f"{R}/paper/figures/prompt_diagnostics.png",
        *(upstream if OWNS_UPSTREAM else []),
        *(
            [f"{R}/paper/tables/standard_benchmarks.md"]
            if standard_evaluations()
            else []
        ),
        f"{R}/paper/accounting.csv",
    ]


def outputs_before_accounting():
    return [path for path in paper_outputs() if Path(path).name != "accounting.csv"]


def upstream_record_section():
    return as_param(upstream_view(config))


ABLATION_TABLES = {
    "table3": "diversified",
    "table4": "latest_two_sft",
    "table5": "n{responses_per_prompt}_k{prompts_per_round}_r{feedback_rounds}".format(
        **config["rounds"]
    ),
    "table6": "sft",
}
"""Each ablation table and the key of this (baseline) run in it."""


def configured_ablations(table):
    """{key: suffix} of config `ablations.<table>` (empty when the table is not asked for)."""
    return config.get("ablations", {}).get(table) or {}


def ablation_runs(table):
    """{key: run} of one ablation table: this run under its baseline key, then each config
    `ablations` entry as run `<this run>_<suffix>` (so a run laid over another config names its own).
    """
    return {
        ABLATION_TABLES[table]: RUN,
        **{
            key: f"{RUN}_{suffix}"
            for key, suffix in configured_ablations(table).items()
        },
    }


def ablation_inputs(wildcards):
    """Round curves of the runs compared (Table 4: their evaluation files, which carry categories)."""
    runs = ablation_runs(wildcards.table)
    if wildcards.table == "table4":
        return {
            key: [
                f"results/{run}/eval/round3/{b}/{e}.json"
                for b in BENCHMARKS
                for e in EVALUATORS
            ]
            for key, run in runs.items()
        }
    return {key: f"results/{run}/paper/round_curve.csv" for key, run in runs.items()}


def ablation_variants(wildcards, input):
    return " ".join(
        f"--variant {key}={','.join(input[key]) if isinstance(input[key], list) else input[key]}"
        for key in input.keys()
    )


def ablation_tables():
    return [
        f"{R}/paper/tables/{table}.md"
        for table in ABLATION_TABLES
        if configured_ablations(table)
    ]


def strict_flag():
    """evaluation.check_paper: enforce fails the run outside the paper's tolerances (paper.yaml);
    report (unset) only writes the comparison (the mini world, the small config)."""
    return "--strict" if config["evaluation"].get("check_paper") == "enforce" else ""


def seed_source(key):
    """The downloaded seed set a hub run ingests (nothing in the mini world)."""
    return [] if IS_MINI else [config["data"][key]]


def eval_sources():
    return (
        []
        if IS_MINI
        else [spec["path"] for spec in config["evaluation"]["benchmarks"].values()]
    )


def hub_source(section):
    """A download spec as one `--spec` argument, with the config's `hub_mirror` added when set.

    One top-level key points every download at a local mirror (no network); a spec's own
    `hub_mirror` wins, and a spec with an existing `local_path` still reads that file.
    """
    mirror = config.get("hub_mirror")
    return as_param({"hub_mirror": mirror, **section} if mirror else dict(section))


def eval_source_spec(wildcards):
    return hub_source(
        config["evaluation"]["benchmarks"][wildcards.benchmark].get("source", {})
    )


def eval_set_size(wildcards):
    return config["evaluation"]["benchmarks"][wildcards.benchmark]["size"]


def load_images(path):
    """Role -> image reference, from containers/images.yaml (digest-pinned; see containers/README.md)."""
    images = yaml.safe_load(Path(path).read_text())
    images = images.get("images", images)
    return {
        role: entry["image"] if isinstance(entry, dict) else entry
        for role, entry in images.items()
    }


IMAGES = load_images(Path(workflow.basedir, "containers/images.yaml"))


def container_for(role):
    """The pinned image of a role (cpu, train, vllm, eval, analysis); used with --sdm apptainer."""
    return IMAGES[role]


def mini_section(size_key, size=None):
    """Only the keys one mini data set depends on, so resizing one never rebuilds the other.

    The size is ``mini.<size_key>`` unless given (sets sized in another config section).
    """
    mini = config["mini"]
    return {
        "universe_seed": mini["universe_seed"],
        size_key: mini[size_key] if size is None else size,
        "seed": config["seed"],
    }
