# Prompt synthesis (sharded), cleaning, embeddings, clustering, and per-round selection with
# the used-prompt ledger carried from round to round.


rule synthesize_prompts:
    input:
        base=f"{R}/base/manifest.json",
        seed_sft=f"{R}/seed/sft.jsonl",
    output:
        f"{R}/prompts/pool/shard{{shard}}.jsonl",
    log:
        f"{LOGS}/prompts/pool/shard{{shard}}.log",
    benchmark:
        f"{BENCH}/synthesize_prompts/shard{{shard}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param({**config["prompt_synthesis"], "seed": config["seed"]}),
        shards=len(SYNTH_SHARDS),
    shell:
        "alma synthesize-prompts --base {input.base} --seed-sft {input.seed_sft} --shard {wildcards.shard}"
        " --shards {params.shards} --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule merge_prompts:
    input:
        shards=expand(f"{R}/prompts/pool/shard{{shard}}.jsonl", shard=SYNTH_SHARDS),
        seed_sft=f"{R}/seed/sft.jsonl",
        eval_prompts=expand(
            f"{R}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS
        ),
    output:
        pool=f"{R}/prompts/pool.jsonl",
        stats=f"{R}/prompts/pool_stats.json",
    log:
        f"{LOGS}/prompts/merge_prompts.log",
    container:
        container_for("cpu")
    params:
        section=as_param({"filters": config["prompt_synthesis"]["filters"]}),
    shell:
        "alma merge-prompts --inputs {input.shards} --seed-sft {input.seed_sft} --eval-prompts {input.eval_prompts}"
        " --params {params.section}"
        " --out {output.pool} --stats {output.stats} > {log} 2>&1"


rule embed_prompts:
    input:
        base=f"{R}/base/manifest.json",
        pool=f"{R}/prompts/pool.jsonl",
    output:
        f"{R}/prompts/embeddings.npy",
    log:
        f"{LOGS}/prompts/embed_prompts.log",
    benchmark:
        f"{BENCH}/embed_prompts/pool.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param(config["diversify"]),
    shell:
        "alma embed-prompts --base {input.base} --pool {input.pool} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule cluster_prompts:
    input:
        pool=f"{R}/prompts/pool.jsonl",
        embeddings=f"{R}/prompts/embeddings.npy",
    output:
        f"{R}/prompts/clustered.jsonl",
    log:
        f"{LOGS}/prompts/cluster_prompts.log",
    container:
        container_for("cpu")
    params:
        section=as_param({**config["diversify"], "seed": config["seed"]}),
    shell:
        "alma cluster-prompts --pool {input.pool} --embeddings {input.embeddings} --params {params.section}"
        " --out {output} > {log} 2>&1"


rule select_prompts:
    input:
        pool=f"{R}/prompts/clustered.jsonl",
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
