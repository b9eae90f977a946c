# The paper, regenerated from the evaluation files: the round curve (Figure 2), Table 1 and
# the judge table (Table 2).


rule round_curve:
    input:
        all_evaluations(),
    output:
        report(
            f"{R}/paper/round_curve.csv",
            caption="../report/round_curve.rst",
            category="Figure 2",
        ),
    log:
        f"{LOGS}/paper/round_curve.log",
    container:
        container_for("analysis")
    params:
        bootstrap=config["evaluation"]["bootstrap"],
        seed=config["seed"],
    shell:
        "alma paper-curve --inputs {input} --bootstrap {params.bootstrap} --seed {params.seed}"
        " --output {output} > {log} 2>&1"


rule table1:
    input:
        f"{R}/paper/round_curve.csv",
    output:
        report(
            f"{R}/paper/tables/table1.md",
            caption="../report/table1.rst",
            category="Table 1",
        ),
        f"{R}/paper/tables/table1.csv",
        f"{R}/paper/tables/table1.tex",
    log:
        f"{LOGS}/paper/table1.log",
    container:
        container_for("analysis")
    params:
        final=f"round{FINAL_ROUND}",
        stem=subpath(output[1], strip_suffix=".csv"),
    shell:
        "alma paper-table1 --input {input} --final-model {params.final} --output-stem {params.stem} > {log} 2>&1"


# The paper's claims on this run's own curve (base < round 1 < final, final's CI above round 1's):
# the verdict at any scale, where check_paper compares with the published numbers.
rule claims:
    input:
        f"{R}/paper/round_curve.csv",
    output:
        report(f"{R}/paper/claims.md", caption="../report/claims.rst", category="Check"),
        f"{R}/paper/claims.csv",
    log:
        f"{LOGS}/paper/claims.log",
    container:
        container_for("analysis")
    params:
        stem=subpath(output[1], strip_suffix=".csv"),
    shell:
        "alma paper-claims --input {input} --output-stem {params.stem} > {log} 2>&1"


rule plot_round_curve:
    input:
        f"{R}/paper/round_curve.csv",
    output:
        png=report(
            f"{R}/paper/figures/round_curve.png",
            caption="../report/round_curve.rst",
            category="Figure 2",
        ),
        pdf=f"{R}/paper/figures/round_curve.pdf",
        data=f"{R}/paper/tables/figure2.csv",
    log:
        f"{LOGS}/paper/plot_round_curve.log",
    container:
        container_for("analysis")
    params:
        evaluator=EVALUATORS[0],
        data=subpath(output.data, strip_suffix=".csv"),
    shell:
        "alma paper-figure2 --input {input} --evaluator {params.evaluator} --output-png {output.png}"
        " --output-pdf {output.pdf} --data {params.data} > {log} 2>&1"


rule table2:
    input:
        judge_evaluations(),
    output:
        report(
            f"{R}/paper/tables/table2_judge.md",
            caption="../report/table2.rst",
            category="Table 2",
        ),
        f"{R}/paper/tables/table2_judge.csv",
        f"{R}/paper/tables/table2_judge.tex",
    log:
        f"{LOGS}/paper/table2.log",
    container:
        container_for("analysis")
    params:
        stem=subpath(output[1], strip_suffix=".csv"),
    shell:
        "alma paper-table2 --inputs {input} --output-stem {params.stem} > {log} 2>&1"


rule standard_benchmarks:
    input:
        standard_evaluations(),
    output:
        report(
            f"{R}/paper/tables/standard_benchmarks.md",
            caption="../report/standard_benchmarks.rst",
            category="Benchmarks",
        ),
        f"{R}/paper/tables/standard_benchmarks.csv",
        f"{R}/paper/tables/standard_benchmarks.tex",
    log:
        f"{LOGS}/paper/standard_benchmarks.log",
    container:
        container_for("analysis")
    params:
        stem=subpath(output[1], strip_suffix=".csv"),
    shell:
        "alma paper-standard --input {input} --output {params.stem} > {log} 2>&1"


rule judge_diagnostics:
    input:
        heldout=expand(
            f"{S}/judge/eval/{{variant}}/heldout.json",
            variant=config["judge"]["evaluate_variants"],
        ),
        judgments=judgment_files_of_round(FINAL_ROUND),
    output:
        png=report(
            f"{R}/paper/figures/judge_diagnostics.png",
            caption="../report/judge_diagnostics.rst",
            category="Table 2",
        ),
        pdf=f"{R}/paper/figures/judge_diagnostics.pdf",
        csv=f"{R}/paper/tables/judge_diagnostics.csv",
    log:
        f"{LOGS}/paper/judge_diagnostics.log",
    container:
        container_for("analysis")
    params:
        variant=config["judge"]["variant"],
    shell:
        "alma judge-diagnostics --input {input.heldout} --judgments {input.judgments} --rounds-judge {params.variant}"
        " --png {output.png} --pdf {output.pdf} --output {output.csv} > {log} 2>&1"


rule prompt_diagnostics:
    input:
        pool=f"{S}/prompts/clustered.jsonl",
        embeddings=f"{S}/prompts/embeddings.npy",
        stats=f"{S}/prompts/pool_stats.json",
        rounds=[f"{R}/round{r}/prompts.jsonl" for r in FEEDBACK_ROUNDS],
    output:
        png=report(
            f"{R}/paper/figures/prompt_diagnostics.png",
            caption="../report/prompt_diagnostics.rst",
            category="Prompts",
        ),
        pdf=f"{R}/paper/figures/prompt_diagnostics.pdf",
        csv=f"{R}/paper/tables/prompt_diagnostics.csv",
    log:
        f"{LOGS}/paper/prompt_diagnostics.log",
    container:
        container_for("analysis")
    params:
        seed=config["seed"],
    shell:
        "alma prompt-diagnostics --pool {input.pool} --embeddings {input.embeddings} --stats {input.stats}"
        " --rounds {input.rounds} --seed {params.seed} --png {output.png} --pdf {output.pdf}"
        " --output {output.csv} > {log} 2>&1"


rule check_paper:
    input:
        tables=[f"{R}/paper/tables/table1.csv", f"{R}/paper/tables/table2_judge.csv"],
        figure=f"{R}/paper/tables/figure2.csv",
    output:
        report(f"{R}/paper/check.csv", caption="../report/check.rst", category="Check"),
    log:
        f"{LOGS}/paper/check_paper.log",
    container:
        container_for("analysis")
    params:
        tables=subpath(input.figure, parent=True),
        strict=strict_flag(),
    shell:
        "alma paper-check --reproduced {params.tables} --reference tests/reference/paper"
        " --tables table1 table2_judge figure2 {params.strict} --output {output} > {log} 2>&1"


rule accounting:
    input:
        # last: every other output of the run, so every benchmark file is there
        outputs_before_accounting(),
    output:
        report(
            f"{R}/paper/accounting.csv",
            caption="../report/accounting.rst",
            category="Compute",
        ),
    log:
        f"{LOGS}/paper/accounting.log",
    container:
        container_for("analysis")
    params:
        root=BENCH,
    shell:
        "alma accounting --input $(find {params.root} -name '*.tsv' | sort) --root {params.root}"
        " --output {output} > {log} 2>&1"


if IS_MINI:

    rule best_of_n:
        input:
            prompts=f"{R}/round{FINAL_ROUND}/prompts.jsonl",
            responses=response_files_of_round(FINAL_ROUND),
            judgments=judgment_files_of_round(FINAL_ROUND),
        output:
            csv=f"{R}/paper/tables/figure3.csv",
            png=report(
                f"{R}/paper/figures/best_of_n.png",
                caption="../report/best_of_n.rst",
                category="Figure 3",
            ),
            pdf=f"{R}/paper/figures/best_of_n.pdf",
        log:
            f"{LOGS}/paper/best_of_n.log",
        container:
            container_for("analysis")
        params:
            universe=config["mini"]["universe_seed"],
            label=f"judge's pick ({config['judge']['variant']})",
            seed=config["seed"],
        shell:
            "(alma best-of-n --prompts {input.prompts} --responses {input.responses} --judgments {input.judgments}"
            ' --universe-seed {params.universe} --judge-label "{params.label}" --seed {params.seed} --output {output.csv}'
            " && alma paper-figure3 --input {output.csv} --png {output.png} --pdf {output.pdf}) > {log} 2>&1"


# Tables 3-6: this run against the ablation runs named in config `ablations` (each made by
# `snakemake --configfile config/ablations/<name>.yaml`, which reuses this run's upstream).
rule ablation_table:
    input:
        unpack(ablation_inputs),
    output:
        report(
            f"{R}/paper/tables/{{table}}.md",
            caption="../report/ablations.rst",
            category="Ablations",
        ),
        f"{R}/paper/tables/{{table}}.csv",
        f"{R}/paper/tables/{{table}}.tex",
    log:
        f"{LOGS}/paper/{{table}}.log",
    wildcard_constraints:
        table="table[3-6]",
    container:
        container_for("analysis")
    params:
        variants=ablation_variants,
        stem=subpath(output[1], strip_suffix=".csv"),
    shell:
        "alma paper-{wildcards.table} {params.variants} --output {params.stem} > {log} 2>&1"
