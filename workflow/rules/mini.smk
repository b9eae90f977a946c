# The mini world only: the rebuild rules of what it ships in resources/ (the tiny base model and
# the stand-ins for the comparison model, an SFT on oracle answers that plays Llama-3-8B-Instruct,
# and for ArmoRM, a small reward model trained on oracle-ordered pairs), and its fixtures.


rule pretrain_mini_base:
    output:
        "resources/mini-base/pretrain.json",
    log:
        "logs/resources/pretrain_mini_base.log",
    benchmark:
        "benchmarks/resources/pretrain_mini_base/mini-base.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        steps=config.get("mini", {}).get("pretrain_steps", 1200),
        universe=config.get("mini", {}).get("universe_seed", 0),
    shell:
        "alma mini-pretrain --out resources/mini-base --seed 0 --steps {params.steps}"
        " --universe-seed {params.universe} --threads {threads} > {log} 2>&1"


rule build_mini_instruct:
    # The shipped instruct stand-in (Llama-3-8B-Instruct's role): SFT of the shipped base on oracle
    # answers. No inputs, like pretrain_mini_base: runs use resources/mini-instruct as it is and
    # `snakemake --forcerun build_mini_instruct` rebuilds it (same machine, same bytes).
    output:
        "resources/mini-instruct/manifest.json",
    log:
        "logs/resources/build_mini_instruct.log",
    benchmark:
        "benchmarks/resources/build_mini_instruct/mini-instruct.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        base=as_param({"name": "mini-base", "path": "resources/mini-base"}),
        data=as_param(shipped_build_data("instruct_examples")),
        launcher=launcher,
        section=as_param(MINI_INSTRUCT_BUILD),
        build="resources/mini-instruct/build",
    shell:
        "(alma prepare-base --params {params.base} --out {params.build}/base.json"
        " && alma build-mini-sets --params {params.data} --instruct-out {params.build}/instruct_sft.jsonl"
        " && {params.launcher} train-sft --base {params.build}/base.json --data {params.build}/instruct_sft.jsonl"
        " --params {params.section} --out {output} --threads {threads}) > {log} 2>&1"


rule build_mini_reward_model:
    # The shipped reward-model evaluator (ArmoRM's role), trained on oracle-ordered pairs; rebuilt
    # like build_mini_instruct. Its manifest carries the 0-10 calibration the evaluator applies.
    output:
        "resources/mini-reward-model/manifest.json",
    log:
        "logs/resources/build_mini_reward_model.log",
    benchmark:
        "benchmarks/resources/build_mini_reward_model/mini-reward-model.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        base=as_param({"name": "mini-base", "path": "resources/mini-base"}),
        data=as_param(shipped_build_data("reward_model_pairs")),
        section=as_param(MINI_REWARD_MODEL_BUILD),
        build="resources/mini-reward-model/build",
    shell:
        "(alma prepare-base --params {params.base} --out {params.build}/base.json"
        " && alma build-mini-sets --params {params.data} --rm-pairs-out {params.build}/reward_model_pairs.jsonl"
        " && alma train-reward-model --base {params.build}/base.json --pairs {params.build}/reward_model_pairs.jsonl"
        " --params {params.section} --out {output} --threads {threads}) > {log} 2>&1"


rule build_mini_rewardbench:
    output:
        f"{S}/mini/rewardbench.jsonl",
    log:
        f"{S_LOGS}/mini/build_mini_rewardbench.log",
    container:
        container_for("cpu")
    params:
        section=as_param(
            mini_section(
                "per_subset",
                config["judge"].get("rewardbench", {}).get("per_subset", 12),
            )
        ),
    shell:
        "alma build-mini-rewardbench --params {params.section} --out {output} > {log} 2>&1"


rule build_mini_lmeval_tasks:
    output:
        directory(f"{S}/mini/lmeval_tasks"),
    log:
        f"{S_LOGS}/mini/build_mini_lmeval_tasks.log",
    container:
        container_for("cpu")
    params:
        section=as_param(
            mini_section(
                "per_task", config["evaluation"].get("lmeval", {}).get("per_task", 30)
            )
        ),
    shell:
        "alma build-mini-lmeval-tasks --params {params.section} --out-dir {output} > {log} 2>&1"
