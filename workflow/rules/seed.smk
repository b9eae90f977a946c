# Inputs of the run: the base model, the seed sets (D1 and the judge annotations) and the
# held-out evaluation prompt sets.


rule pretrain_mini_base:
    output:
        "resources/mini-base/pretrain.json",
    params:
        steps=config.get("mini", {}).get("pretrain_steps", 1200),
        universe=config.get("mini", {}).get("universe_seed", 0),
    log:
        "logs/resources/pretrain_mini_base.log",
    benchmark:
        "benchmarks/resources/pretrain_mini_base.tsv"
    threads: 2
    shell:
        "alma mini-pretrain --out resources/mini-base --seed 0 --steps {params.steps}"
        " --universe-seed {params.universe} --threads {threads} > {log} 2>&1"


rule prepare_base_model:
    input:
        base_model_inputs(),
    output:
        f"{R}/base/manifest.json",
    params:
        section=as_param(config["base_model"]),
    log:
        f"{LOGS}/base/prepare_base_model.log",
    shell:
        "alma prepare-base --params {params.section} --out {output} > {log} 2>&1"


rule build_seed_sft:
    output:
        f"{R}/seed/sft.jsonl",
    params:
        section=as_param(seed_section("sft")),
    log:
        f"{LOGS}/seed/build_seed_sft.log",
    shell:
        "alma build-seed-sft --params {params.section} --out {output} > {log} 2>&1"


rule seed_to_sft:
    input:
        f"{R}/seed/sft.jsonl",
    output:
        f"{R}/seed/sft_messages.jsonl",
    log:
        f"{LOGS}/seed/seed_to_sft.log",
    shell:
        "alma seed-to-sft --seed-sft {input} --out {output} > {log} 2>&1"


rule build_judge_seed:
    input:
        base=f"{R}/base/manifest.json",
        seed_sft=f"{R}/seed/sft.jsonl",
    output:
        f"{R}/seed/judge.jsonl",
    params:
        section=as_param(seed_section("judge")),
    log:
        f"{LOGS}/seed/build_judge_seed.log",
    benchmark:
        f"{BENCH}/seed/build_judge_seed.tsv"
    threads: 2
    shell:
        "alma build-judge-seed --base {input.base} --seed-sft {input.seed_sft} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule build_eval_prompts:
    output:
        expand(f"{R}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS),
    params:
        section=as_param(seed_section("eval")),
        out_dir=f"{R}/eval/prompts",
    log:
        f"{LOGS}/seed/build_eval_prompts.log",
    shell:
        "alma build-eval-prompts --params {params.section} --out-dir {params.out_dir} > {log} 2>&1"
