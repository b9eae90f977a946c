# Training: the two initial SFT runs of round 1 (M1a, M1b) from the base model on D1.
# The feedback rounds train in rounds.smk.


rule train_initial_sft:
    input:
        base=f"{S}/base/manifest.json",
        data=f"{S}/seed/sft_messages.jsonl",
    output:
        f"{S}/round1/sft{{seed_index}}/manifest.json",
    log:
        f"{S_LOGS}/round1/sft{{seed_index}}.log",
    benchmark:
        f"{S_BENCH}/train_initial_sft/round1.sft{{seed_index}}.tsv"
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
