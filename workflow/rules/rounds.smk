# One feedback round, per run: K prompts from unused clusters, N samples from the round's sources,
# the judge's scores, the best-of-N data (and DPO pairs), and the round model retrained from M0
# on D1 ∪ ... ∪ D_r. Everything upstream of the rounds comes from S (see common.smk).


rule select_prompts:
    input:
        pool=f"{S}/prompts/clustered.jsonl",
        ledger=previous_ledger,
    output:
        prompts=f"{R}/round{{round}}/prompts.jsonl",
        ledger=f"{R}/round{{round}}/ledger.jsonl",
    log:
        f"{LOGS}/round{{round}}/select_prompts.log",
    container:
        container_for("cpu")
    params:
        section=as_param(
            {
                "k": config["rounds"]["prompts_per_round"],
                "method": config["diversify"]["method"],
                "seed": config["seed"],
            }
        ),
        ledger=ledger_flag,
    shell:
        "alma select-prompts --pool {input.pool} {params.ledger} --round {wildcards.round}"
        " --params {params.section} --out {output.prompts} --ledger-out {output.ledger} > {log} 2>&1"


rule sample_responses:
    input:
        model=sampler_manifest,
        prompts=f"{R}/round{{round}}/prompts.jsonl",
    output:
        f"{R}/round{{round}}/responses/{{source}}/shard{{shard}}.jsonl",
    log:
        f"{LOGS}/round{{round}}/responses/{{source}}/shard{{shard}}.log",
    benchmark:
        f"{BENCH}/sample_responses/round{{round}}.{{source}}.shard{{shard}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=sampling_params,
        shards=len(SHARDS),
    shell:
        "alma sample-responses --model {input.model} --prompts {input.prompts} --round {wildcards.round}"
        " --source {wildcards.source} --shard {wildcards.shard} --shards {params.shards}"
        " --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule score_responses:
    input:
        judge=judge_manifest(),
        prompts=f"{R}/round{{round}}/prompts.jsonl",
        responses=f"{R}/round{{round}}/responses/{{source}}/shard{{shard}}.jsonl",
        fewshot=f"{S}/judge/data/train_annotations.jsonl",
    output:
        f"{R}/round{{round}}/judgments/{{source}}/shard{{shard}}.jsonl",
    log:
        f"{LOGS}/round{{round}}/judgments/{{source}}/shard{{shard}}.log",
    benchmark:
        f"{BENCH}/score_responses/round{{round}}.{{source}}.shard{{shard}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param(judge_section(JUDGE_VARIANT)),
        judge=judge_flag,
    shell:
        "alma score {params.judge} --prompts {input.prompts} --responses {input.responses}"
        " --fewshot-from {input.fewshot} --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule select_best:
    input:
        prompts=f"{R}/round{{round}}/prompts.jsonl",
        responses=response_files,
        judgments=judgment_files,
    output:
        best=f"{R}/round{{round}}/data/best.jsonl",
        pairs=f"{R}/round{{round}}/data/pairs.jsonl",
    log:
        f"{LOGS}/round{{round}}/select_best.log",
    container:
        container_for("cpu")
    params:
        section=as_param(
            {"seed": config["seed"], "pairing": config["train"]["dpo"]["pairing"]}
        ),
    shell:
        "alma select-best --prompts {input.prompts} --responses {input.responses} --judgments {input.judgments}"
        " --round {wildcards.round} --params {params.section} --out {output.best} --pairs-out {output.pairs}"
        " > {log} 2>&1"


if config["rounds"]["objective"] == "sft":

    rule train_round:
        input:
            base=f"{S}/base/manifest.json",
            init=init_for_round,
            data=data_for_round,
        output:
            f"{R}/round{{round}}/model/manifest.json",
        log:
            f"{LOGS}/round{{round}}/train_round.log",
        benchmark:
            f"{BENCH}/train_round/round{{round}}.tsv"
        container:
            container_for("train")
        threads: 2
        params:
            launcher=launcher,
            section=round_train_section,
        shell:
            "{params.launcher} train-sft --base {input.base} --init {input.init} --data {input.data} --params {params.section}"
            " --out {output} --threads {threads} > {log} 2>&1"

else:

    # Table 6's DPO column: round r = DPO from the round r-1 model on round r's pairs
    # (chosen = judge's best, rejected per train.dpo.pairing); round 1 is the SFT model.
    rule train_round:
        input:
            init=previous_model,
            pairs=f"{R}/round{{round}}/data/pairs.jsonl",
        output:
            f"{R}/round{{round}}/model/manifest.json",
        log:
            f"{LOGS}/round{{round}}/train_round.log",
        benchmark:
            f"{BENCH}/train_round/round{{round}}.tsv"
        container:
            container_for("train")
        threads: 2
        params:
            launcher=launcher,
            section=round_dpo_section,
        shell:
            "{params.launcher} train-dpo --init {input.init} --pairs {input.pairs} --params {params.section}"
            " --out {output} --threads {threads} > {log} 2>&1"
