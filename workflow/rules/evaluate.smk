# Evaluation of every model (base 3-shot, every round, instruct) on every prompt set with every
# evaluator; in the mini world the oracle plays GPT-4o and a small reward model plays ArmoRM.


rule generate_answers:
    input:
        model=answers_model,
        prompts=expand(f"{S}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS),
        seed_sft=f"{S}/seed/sft.jsonl",
    output:
        expand(
            f"{R}/eval/{{{{model}}}}/{{benchmark}}/answers.jsonl", benchmark=BENCHMARKS
        ),
    log:
        f"{LOGS}/eval/{{model}}/generate_answers.log",
    benchmark:
        f"{BENCH}/generate_answers/{{model}}.tsv"
    container:
        container_for("vllm")
    threads: 2
    params:
        section=as_param(
            {"sampling": config["evaluation"]["sampling"], "seed": config["seed"]}
        ),
        fewshot=fewshot_flag,
    shell:
        "alma generate-answers --model {input.model} --prompts {input.prompts} --name {wildcards.model}"
        " {params.fewshot} --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule grade_answers:
    input:
        unpack(grader_inputs),
    output:
        expand(
            f"{R}/eval/{{{{model}}}}/{{benchmark}}/{{{{evaluator}}}}.json",
            benchmark=BENCHMARKS,
        ),
    log:
        f"{LOGS}/eval/{{model}}/{{evaluator}}.log",
    benchmark:
        f"{BENCH}/grade_answers/{{model}}.{{evaluator}}.tsv"
    wildcard_constraints:
        evaluator="oracle|reward_model|armorm",
    container:
        container_for("eval")
    threads: 2
    params:
        section=grade_section,
        reward_model=reward_model_flag,
    shell:
        "alma grade --prompts {input.prompts} --answers {input.answers} --name {wildcards.model}"
        " --evaluator {wildcards.evaluator} {params.reward_model} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule alpacaeval:
    input:
        unpack(alpacaeval_inputs),
    output:
        f"{R}/eval/{{model}}/alpacaeval.json",
    log:
        f"{LOGS}/eval/{{model}}/alpacaeval.log",
    benchmark:
        f"{BENCH}/alpacaeval/{{model}}.tsv"
    container:
        container_for("eval")
    params:
        section=alpacaeval_section(),
        judge=alpacaeval_model_flags,
    shell:
        "alma alpacaeval --prompts {input.prompts} --model-answers {input.answers}"
        " --reference-answers {input.reference} {params.judge} --name {wildcards.model}"
        " --params {params.section} --out {output} > {log} 2>&1"


rule lmeval:
    input:
        unpack(lmeval_inputs),
    output:
        f"{R}/eval/{{model}}/lmeval.json",
    log:
        f"{LOGS}/eval/{{model}}/lmeval.log",
    benchmark:
        f"{BENCH}/lmeval/{{model}}.tsv"
    container:
        container_for("eval")
    threads: 2
    params:
        section=lmeval_section,
        tasks_dir=tasks_dir_flag,
    shell:
        "alma lmeval --model {input.model} {params.tasks_dir} --name {wildcards.model}"
        " --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


if not IS_MINI:

    rule grade_answers_llm:
        # With grader.serve, the job serves that model itself (alma serve-openai on a free localhost
        # port) and grades through it; otherwise it calls the configured endpoint (GPT-4o).
        input:
            unpack(llm_grader_inputs),
        output:
            expand(
                f"{R}/eval/{{{{model}}}}/{{benchmark}}/{{{{evaluator}}}}.json",
                benchmark=BENCHMARKS,
            ),
        log:
            f"{LOGS}/eval/{{model}}/{{evaluator}}.log",
        benchmark:
            f"{BENCH}/grade_answers_llm/{{model}}.{{evaluator}}.tsv"
        wildcard_constraints:
            evaluator="gpt4o",
        container:
            container_for("eval")
        threads: 2 if grader_serve() else 1
        params:
            section=llm_grader_section(),
            serve=serve_flag,
        shell:
            "alma grade-llm --prompts {input.prompts} --answers {input.answers} --name {wildcards.model}"
            " {params.serve} --params {params.section} --out {output} --threads {threads} > {log} 2>&1"
