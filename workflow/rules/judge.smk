# The judge, built once before the feedback rounds and then fixed: fine-tuning on the seed
# annotations, self-distillation on synthetic pairs, scoring, and held-out accuracy (Table 2).


rule build_judge_data:
    input:
        f"{S}/seed/judge.jsonl",
    output:
        train=f"{S}/judge/data/train.jsonl",
        annotations=f"{S}/judge/data/train_annotations.jsonl",
        heldout=f"{S}/judge/data/heldout.jsonl",
    log:
        f"{S_LOGS}/judge/build_judge_data.log",
    container:
        container_for("cpu")
    params:
        section=as_param(
            {
                "heldout_prompts": config["judge"]["heldout_prompts"],
                "seed": config["seed"],
                **judge_template(),
            }
        ),
    shell:
        "alma build-judge-data --seed-judge {input} --params {params.section} --out {output.train}"
        " --annotations-out {output.annotations} --heldout-out {output.heldout} > {log} 2>&1"


rule train_judge:
    input:
        base=f"{S}/base/manifest.json",
        data=f"{S}/judge/data/train.jsonl",
    output:
        f"{S}/judge/ft/manifest.json",
    log:
        f"{S_LOGS}/judge/train_judge.log",
    benchmark:
        f"{S_BENCH}/train_judge/judge.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        launcher=launcher,
        section=as_param({"train": config["judge"]["train"], "seed": config["seed"]}),
    shell:
        "{params.launcher} train-sft --base {input.base} --data {input.data} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule sample_distill_prompts:
    input:
        pool=f"{S}/prompts/clustered.jsonl",
    output:
        f"{S}/judge/distill/prompts.jsonl",
    log:
        f"{S_LOGS}/judge/sample_distill_prompts.log",
    container:
        container_for("cpu")
    params:
        section=as_param(
            {
                "k": config["judge"]["distill_pairs"] // 2,
                "method": "random",
                "seed": config["seed"] + 1,
            }
        ),
    shell:
        "alma select-prompts --pool {input.pool} --round 1 --params {params.section} --out {output} > {log} 2>&1"


rule sample_distill_pairs:
    input:
        model=manifest_of_source,
        prompts=f"{S}/judge/distill/prompts.jsonl",
    output:
        f"{S}/judge/distill/responses/{{source}}.jsonl",
    log:
        f"{S_LOGS}/judge/distill/responses/{{source}}.log",
    benchmark:
        f"{S_BENCH}/sample_distill_pairs/{{source}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param(
            {
                "sampling": config["rounds"]["sampling"],
                "n": 1,
                "seed": config["seed"] + 1,
            }
        ),
    shell:
        "alma sample-responses --model {input.model} --prompts {input.prompts} --round 1 --source {wildcards.source}"
        " --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule score_distill_pairs:
    input:
        judge=f"{S}/judge/ft/manifest.json",
        prompts=f"{S}/judge/distill/prompts.jsonl",
        responses=expand(
            f"{S}/judge/distill/responses/{{source}}.jsonl", source=["sft1", "sft2"]
        ),
    output:
        f"{S}/judge/distill/judgments.jsonl",
    log:
        f"{S_LOGS}/judge/score_distill_pairs.log",
    benchmark:
        f"{S_BENCH}/score_distill_pairs/judge.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param(judge_section("ft_real")),
    shell:
        "alma score --judge {input.judge} --prompts {input.prompts} --responses {input.responses}"
        " --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule distill_judge:
    input:
        base=f"{S}/base/manifest.json",
        init=f"{S}/judge/ft/manifest.json",
        prompts=f"{S}/judge/distill/prompts.jsonl",
        responses=expand(
            f"{S}/judge/distill/responses/{{source}}.jsonl", source=["sft1", "sft2"]
        ),
        judgments=f"{S}/judge/distill/judgments.jsonl",
        seed_data=f"{S}/judge/data/train.jsonl",
    output:
        data=f"{S}/judge/distill/data.jsonl",
        manifest=f"{S}/judge/distill/model/manifest.json",
    log:
        f"{S_LOGS}/judge/distill_judge.log",
    benchmark:
        f"{S_BENCH}/distill_judge/judge.tsv"
    container:
        container_for("train")
    threads: 2
    params:
        launcher=launcher,
        section=as_param({"train": distill_train(), "seed": config["seed"] + 1}),
        template=config["judge"]["template"],
        replay=distill_replay_flag(),
    shell:
        "(alma build-distill-data --prompts {input.prompts} --responses {input.responses}"
        " --judgments {input.judgments} --seed-data {input.seed_data} {params.replay} --template {params.template}"
        " --out {output.data} &&"
        " {params.launcher} train-sft --base {input.base} --init {input.init} --data {output.data} --params {params.section}"
        " --out {output.manifest} --threads {threads}) > {log} 2>&1"


rule evaluate_judge:
    input:
        judge=judge_manifest_of_variant,
        heldout=f"{S}/judge/data/heldout.jsonl",
        fewshot=f"{S}/judge/data/train_annotations.jsonl",
    output:
        f"{S}/judge/eval/{{variant}}/heldout.json",
    log:
        f"{S_LOGS}/judge/eval/{{variant}}.log",
    benchmark:
        f"{S_BENCH}/evaluate_judge/{{variant}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=variant_section,
    shell:
        "alma evaluate-judge --judge {input.judge} --heldout {input.heldout} --fewshot-from {input.fewshot}"
        " --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule evaluate_judge_rewardbench:
    input:
        judge=judge_manifest_of_variant,
        data=rewardbench_data(),
        fewshot=f"{S}/judge/data/train_annotations.jsonl",
    output:
        f"{S}/judge/eval/{{variant}}/rewardbench.json",
    log:
        f"{S_LOGS}/judge/eval/{{variant}}_rewardbench.log",
    benchmark:
        f"{S_BENCH}/evaluate_judge_rewardbench/{{variant}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=lambda wildcards: as_param(judge_section(wildcards.variant)),
    shell:
        "alma evaluate-rewardbench --judge {input.judge} --data {input.data} --fewshot-from {input.fewshot}"
        " --params {params.section} --out {output} --threads {threads} > {log} 2>&1"
