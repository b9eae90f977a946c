# Evaluation of every model (base 3-shot, every round, instruct) on every prompt set with every
# evaluator; in the mini world the oracle plays GPT-4o and a small reward model plays ArmoRM.


rule build_mini_sets:
    output:
        instruct=f"{R}/mini/instruct_sft.jsonl",
        rm_pairs=f"{R}/mini/reward_model_pairs.jsonl",
    params:
        section=as_param({**config.get("mini", {}), "seed": config["seed"]}),
    log:
        f"{LOGS}/mini/build_mini_sets.log",
    shell:
        "alma build-mini-sets --params {params.section} --instruct-out {output.instruct}"
        " --rm-pairs-out {output.rm_pairs} > {log} 2>&1"


rule train_instruct:
    input:
        base=f"{R}/base/manifest.json",
        data=f"{R}/mini/instruct_sft.jsonl",
    output:
        f"{R}/instruct/manifest.json",
    params:
        section=train_section("sft", config["seed"] + 7),
    log:
        f"{LOGS}/instruct/train_instruct.log",
    benchmark:
        f"{BENCH}/instruct/train_instruct.tsv"
    threads: 2
    shell:
        "alma train-sft --base {input.base} --data {input.data} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule train_reward_model:
    input:
        base=f"{R}/base/manifest.json",
        pairs=f"{R}/mini/reward_model_pairs.jsonl",
    output:
        f"{R}/reward_model/manifest.json",
    params:
        section=as_param({"train": reward_model_train(), "seed": config["seed"]}),
    log:
        f"{LOGS}/reward_model/train_reward_model.log",
    benchmark:
        f"{BENCH}/reward_model/train_reward_model.tsv"
    threads: 2
    shell:
        "alma train-reward-model --base {input.base} --pairs {input.pairs} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule generate_answers:
    input:
        model=answers_model,
        prompts=expand(f"{R}/eval/prompts/{{benchmark}}.jsonl", benchmark=BENCHMARKS),
        seed_sft=f"{R}/seed/sft.jsonl",
    output:
        expand(f"{R}/eval/{{{{model}}}}/{{benchmark}}/answers.jsonl", benchmark=BENCHMARKS),
    params:
        section=as_param({"sampling": config["evaluation"]["sampling"], "seed": config["seed"]}),
        fewshot=fewshot_flag,
    log:
        f"{LOGS}/eval/{{model}}/generate_answers.log",
    benchmark:
        f"{BENCH}/eval/generate_answers/{{model}}.tsv"
    threads: 2
    shell:
        "alma generate-answers --model {input.model} --prompts {input.prompts} --name {wildcards.model}"
        " {params.fewshot} --params {params.section} --out {output} --threads {threads} > {log} 2>&1"


rule grade_answers:
    input:
        unpack(grader_inputs),
    output:
        expand(f"{R}/eval/{{{{model}}}}/{{benchmark}}/{{{{evaluator}}}}.json", benchmark=BENCHMARKS),
    params:
        section=as_param({"universe_seed": config.get("mini", {}).get("universe_seed", 0)}),
        reward_model=reward_model_flag,
    log:
        f"{LOGS}/eval/{{model}}/{{evaluator}}.log",
    benchmark:
        f"{BENCH}/eval/grade_answers/{{model}}.{{evaluator}}.tsv"
    threads: 2
    shell:
        "alma grade --prompts {input.prompts} --answers {input.answers} --name {wildcards.model}"
        " --evaluator {wildcards.evaluator} {params.reward_model} --params {params.section}"
        " --out {output} --threads {threads} > {log} 2>&1"
