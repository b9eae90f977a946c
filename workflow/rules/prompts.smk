# Prompt synthesis (sharded), cleaning, embeddings, clustering, and per-round selection with
# the used-prompt ledger carried from round to round.


rule synthesize_prompts:
    input:
        base=f"{S}/base/manifest.json",
        seed_sft=f"{S}/seed/sft.jsonl",
    output:
        f"{S}/prompts/pool/shard{{shard}}.jsonl",
    log:
        f"{S_LOGS}/prompts/pool/shard{{shard}}.log",
    benchmark:
        f"{S_BENCH}/synthesize_prompts/shard{{shard}}.tsv"
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
        shards=expand(f"{S}/prompts/pool/shard{{shard}}.jsonl", shard=SYNTH_SHARDS),
        seed_sft=f"{S}/seed/sft.jsonl",
        eval_prompts=expand(
            f"{S}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS
        ),
    output:
        pool=f"{S}/prompts/pool.jsonl",
        stats=f"{S}/prompts/pool_stats.json",
    log:
        f"{S_LOGS}/prompts/merge_prompts.log",
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
        base=f"{S}/base/manifest.json",
        pool=f"{S}/prompts/pool.jsonl",
    output:
        f"{S}/prompts/embeddings.npy",
    log:
        f"{S_LOGS}/prompts/embed_prompts.log",
    benchmark:
        f"{S_BENCH}/embed_prompts/pool.tsv"
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
        pool=f"{S}/prompts/pool.jsonl",
        embeddings=f"{S}/prompts/embeddings.npy",
    output:
        f"{S}/prompts/clustered.jsonl",
    log:
        f"{S_LOGS}/prompts/cluster_prompts.log",
    container:
        container_for("cpu")
    params:
        section=as_param({**config["diversify"], "seed": config["seed"]}),
    shell:
        "alma cluster-prompts --pool {input.pool} --embeddings {input.embeddings} --params {params.section}"
        " --out {output} > {log} 2>&1"
