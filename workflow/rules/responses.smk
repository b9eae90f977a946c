# N responses per prompt from the round's sources (two SFT seeds + latest), sharded.


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
