# The mini world only: the shipped tiny base model's rebuild rule, and the stand-ins for the
# comparison model (an SFT on oracle answers plays Llama-3-8B-Instruct) and for ArmoRM (a small
# reward model trained on oracle-ordered pairs).


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


rule build_instruct_data:
    output:
        f"{S}/mini/instruct_sft.jsonl",
    log:
        f"{S_LOGS}/mini/build_instruct_data.log",
    container:
        container_for("cpu")
    params:
        section=as_param(mini_section("instruct_examples")),
    shell:
        "alma build-mini-sets --params {params.section} --instruct-out {output} > {log} 2>&1"


rule build_reward_model_pairs:
    output:
        f"{S}/mini/reward_model_pairs.jsonl",
    log:
        f"{S_LOGS}/mini/build_reward_model_pairs.log",
    container:
        container_for("cpu")
    params:
        section=as_param(mini_section("reward_model_pairs")),
    shell:
        "alma build-mini-sets --params {params.section} --rm-pairs-out {output} > {log} 2>&1"


rule train_instruct:
    input:
        base=f"{S}/base/manifest.json",
        data=f"{S}/mini/instruct_sft.jsonl",
    output:
        f"{S}/instruct/manifest.json",
    log:
        f"{S_LOGS}/instruct/train_instruct.log",
    benchmark:
        f"{S_BENCH}/train_instruct/instruct.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        launcher=launcher,
        section=train_section("sft", config["seed"] + 7),
    shell:
        "{params.launcher} train-sft --base {input.base} --data {input.data} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule train_reward_model:
    input:
        base=f"{S}/base/manifest.json",
        pairs=f"{S}/mini/reward_model_pairs.jsonl",
    output:
        f"{S}/reward_model/manifest.json",
    log:
        f"{S_LOGS}/reward_model/train_reward_model.log",
    benchmark:
        f"{S_BENCH}/train_reward_model/reward_model.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        section=as_param({"train": reward_model_train(), "seed": config["seed"]}),
    shell:
        "alma train-reward-model --base {input.base} --pairs {input.pairs} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


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
