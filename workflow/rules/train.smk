# Training: the two initial SFT runs (round 1), best-of-N data per feedback round, and the
# round model retrained from M0 on D1 ∪ ... ∪ D_r.


rule train_initial_sft:
    input:
        base=f"{R}/base/manifest.json",
        data=f"{R}/seed/sft_messages.jsonl",
    output:
        f"{R}/round1/sft{{seed_index}}/manifest.json",
    log:
        f"{LOGS}/round1/sft{{seed_index}}.log",
    benchmark:
        f"{BENCH}/train_initial_sft/round1.sft{{seed_index}}.tsv"
    wildcard_constraints:
        seed_index="[12]",
    container:
        container_for("train")
    threads: 2
    params:
        launcher=launcher,
        section=initial_sft_section,
    shell:
        "{params.launcher} train-sft --base {input.base} --data {input.data} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


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
            base=f"{R}/base/manifest.json",
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
