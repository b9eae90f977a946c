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
        f"{R}/mini/instruct_sft.jsonl",
    log:
        f"{LOGS}/mini/build_instruct_data.log",
    container:
        container_for("cpu")
    params:
        section=as_param(mini_section("instruct_examples")),
    shell:
        "alma build-mini-sets --params {params.section} --instruct-out {output} > {log} 2>&1"


rule build_reward_model_pairs:
    output:
        f"{R}/mini/reward_model_pairs.jsonl",
    log:
        f"{LOGS}/mini/build_reward_model_pairs.log",
    container:
        container_for("cpu")
    params:
        section=as_param(mini_section("reward_model_pairs")),
    shell:
        "alma build-mini-sets --params {params.section} --rm-pairs-out {output} > {log} 2>&1"


rule train_instruct:
    input:
        base=f"{R}/base/manifest.json",
        data=f"{R}/mini/instruct_sft.jsonl",
    output:
        f"{R}/instruct/manifest.json",
    log:
        f"{LOGS}/instruct/train_instruct.log",
    benchmark:
        f"{BENCH}/train_instruct/instruct.tsv"
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
        base=f"{R}/base/manifest.json",
        pairs=f"{R}/mini/reward_model_pairs.jsonl",
    output:
        f"{R}/reward_model/manifest.json",
    log:
        f"{LOGS}/reward_model/train_reward_model.log",
    benchmark:
        f"{BENCH}/train_reward_model/reward_model.tsv"
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
        f"{R}/mini/rewardbench.jsonl",
    log:
        f"{LOGS}/mini/build_mini_rewardbench.log",
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
        directory(f"{R}/mini/lmeval_tasks"),
    log:
        f"{LOGS}/mini/build_mini_lmeval_tasks.log",
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


rule best_of_n:
    input:
        prompts=f"{R}/round{FINAL_ROUND}/prompts.jsonl",
        responses=response_files_of_round(FINAL_ROUND),
        judgments=judgment_files_of_round(FINAL_ROUND),
    output:
        csv=f"{R}/paper/tables/figure3.csv",
        png=report(
            f"{R}/paper/figures/best_of_n.png",
            caption="../report/best_of_n.rst",
            category="Figure 3",
        ),
        pdf=f"{R}/paper/figures/best_of_n.pdf",
    log:
        f"{LOGS}/paper/best_of_n.log",
    container:
        container_for("analysis")
    params:
        universe=config["mini"]["universe_seed"],
        label=f"judge's pick ({config['judge']['variant']})",
        seed=config["seed"],
    shell:
        "(alma best-of-n --prompts {input.prompts} --responses {input.responses} --judgments {input.judgments}"
        ' --universe-seed {params.universe} --judge-label "{params.label}" --seed {params.seed} --output {output.csv}'
        " && alma paper-figure3 --input {output.csv} --png {output.png} --pdf {output.pdf}) > {log} 2>&1"
