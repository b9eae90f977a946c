# Paper scale only: local copies of the hub inputs, made inside jobs (parsing the workflow never
# touches the network), pinned by revision, or read from a local mirror of the hub files when the
# config sets `hub_mirror` (hub_source). The comparison and reward models: seed.smk.


rule download_seed_sft:
    output:
        config["data"]["sft_path"],
    log:
        f"{S_LOGS}/data/download_seed_sft.log",
    container:
        container_for("eval")
    params:
        spec=hub_source(config["data"]["sft_source"]),
        converter=config["data"]["sft_source"]["converter"],
    shell:
        "alma download-dataset --spec {params.spec} --converter {params.converter} --out {output} > {log} 2>&1"


rule download_judge_seed:
    output:
        config["data"]["judge_path"],
    log:
        f"{S_LOGS}/data/download_judge_seed.log",
    container:
        container_for("eval")
    params:
        spec=hub_source(config["data"]["judge_source"]),
        converter=config["data"]["judge_source"]["converter"],
    shell:
        "alma download-dataset --spec {params.spec} --converter {params.converter} --out {output} > {log} 2>&1"


rule download_rewardbench:
    output:
        config["judge"]
        .get("rewardbench", {})
        .get("path", f"{S}/data/rewardbench.jsonl"),
    log:
        f"{S_LOGS}/data/download_rewardbench.log",
    container:
        container_for("eval")
    params:
        spec=hub_source(config["judge"].get("rewardbench", {}).get("source", {})),
    shell:
        "alma download-dataset --spec {params.spec} --converter rewardbench --out {output} > {log} 2>&1"


rule download_alpacaeval_reference:
    output:
        f"{S}/data/eval/alpacaeval_reference.jsonl",
    log:
        f"{S_LOGS}/data/download_alpacaeval_reference.log",
    container:
        container_for("eval")
    params:
        spec=hub_source(
            config["evaluation"].get("alpacaeval", {}).get("reference_source", {})
        ),
    shell:
        "alma download-dataset --spec {params.spec} --converter alpaca_reference --out {output} > {log} 2>&1"


rule download_eval_set:
    output:
        f"{S}/data/eval/{{benchmark}}.jsonl",
    log:
        f"{S_LOGS}/data/download_eval_set/{{benchmark}}.log",
    container:
        container_for("eval")
    params:
        spec=eval_source_spec,
        size=eval_set_size,
        seed=config["seed"],
    shell:
        "alma download-dataset --spec {params.spec} --converter {wildcards.benchmark} --out {output}"
        " --benchmark {wildcards.benchmark} --size {params.size} --seed {params.seed} > {log} 2>&1"
