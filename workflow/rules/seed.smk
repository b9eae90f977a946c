# Inputs of the run: the base model, the seed sets (D1 and the judge annotations) and the
# held-out evaluation prompt sets.


rule prepare_base_model:
    input:
        shipped_model_inputs("base_model"),
    output:
        f"{S}/base/manifest.json",
    log:
        f"{S_LOGS}/base/prepare_base_model.log",
    container:
        container_for("eval")
    params:
        section=as_param(base_model_section()),
    shell:
        "alma prepare-base --params {params.section} --out {output} > {log} 2>&1"


rule prepare_instruct_model:
    input:
        shipped_model_inputs("instruct_model"),
    output:
        f"{S}/instruct/manifest.json",
    log:
        f"{S_LOGS}/instruct/prepare_instruct_model.log",
    container:
        container_for("eval")
    params:
        section=as_param({**config["instruct_model"], "hash_files": IS_MINI}),
    shell:
        "alma prepare-base --params {params.section} --out {output} > {log} 2>&1"


if config["reward_model"].get("build") == "armorm_standin":

    rule build_armorm_standin:
        input:
            base=f"{S}/base/manifest.json",
            ratings=f"{S}/seed/judge.jsonl",
        output:
            f"{config['reward_model']['path']}/manifest.json",
        log:
            f"{S_LOGS}/reward_model/build_armorm_standin.log",
        benchmark:
            f"{S_BENCH}/build_armorm_standin/model.tsv"
        container:
            container_for("train")
        threads: 2
        params:
            section=as_param({"seed": config["seed"]}),
        shell:
            "alma build-armorm-standin --base {input.base} --ratings {input.ratings} --params {params.section}"
            " --out {output} --threads {threads} > {log} 2>&1"


rule prepare_reward_model:
    input:
        shipped_model_inputs("reward_model"),
        built_reward_model(),
    output:
        f"{S}/reward_model/manifest.json",
    log:
        f"{S_LOGS}/reward_model/prepare_reward_model.log",
    container:
        container_for("eval")
    params:
        section=as_param({**config["reward_model"], "hash_files": IS_MINI}),
    shell:
        "alma prepare-base --params {params.section} --out {output} > {log} 2>&1"


rule build_seed_sft:
    input:
        seed_source("sft_path"),
    output:
        f"{S}/seed/sft.jsonl",
    log:
        f"{S_LOGS}/seed/build_seed_sft.log",
    container:
        container_for("cpu")
    params:
        section=as_param(seed_section("sft")),
    shell:
        "alma build-seed-sft --params {params.section} --out {output} > {log} 2>&1"


rule seed_to_sft:
    input:
        f"{S}/seed/sft.jsonl",
    output:
        f"{S}/seed/sft_messages.jsonl",
    log:
        f"{S_LOGS}/seed/seed_to_sft.log",
    container:
        container_for("cpu")
    shell:
        "alma seed-to-sft --seed-sft {input} --out {output} > {log} 2>&1"


rule build_judge_seed:
    input:
        source=seed_source("judge_path"),
        responder=judge_seed_responder(),
    output:
        f"{S}/seed/judge.jsonl",
    log:
        f"{S_LOGS}/seed/build_judge_seed.log",
    benchmark:
        f"{S_BENCH}/build_judge_seed/seed.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param(seed_section("judge")),
        responder=lambda wildcards, input: (
            f"--responder {input.responder}" if input.responder else ""
        ),
    shell:
        "alma build-judge-seed {params.responder} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule build_eval_prompts:
    input:
        eval_sources(),
    output:
        expand(f"{S}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS),
    log:
        f"{S_LOGS}/seed/build_eval_prompts.log",
    container:
        container_for("cpu")
    params:
        section=as_param(seed_section("eval")),
        out_dir=subpath(output[0], parent=True),
    shell:
        "alma build-eval-prompts --params {params.section} --out-dir {params.out_dir} > {log} 2>&1"


rule record_upstream:
    output:
        f"{S}/upstream.json",
    log:
        f"{S_LOGS}/record_upstream.log",
    container:
        container_for("cpu")
    params:
        section=upstream_record_section(),
    shell:
        "alma record-upstream --params {params.section} --out {output} > {log} 2>&1"
