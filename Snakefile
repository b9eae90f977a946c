# ALMA (Alignment with Minimal Annotation) as a static Snakemake DAG.
#
#   snakemake --workflow-profile profiles/local                      # the mini world (config/config.yaml)
#   snakemake --profile profiles/slurm --configfile config/paper.yaml  # paper scale on a Slurm cluster
#
# Only WHAT to run comes from config/; WHERE (threads, GPUs, partitions, containers) from profiles/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/seed.smk"
include: "workflow/rules/prompts.smk"
include: "workflow/rules/responses.smk"
include: "workflow/rules/judge.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/paper.smk"


if IS_MINI:

    include: "workflow/rules/mini.smk"

else:

    include: "workflow/rules/hub.smk"


rule all:
    input:
        paper_outputs(),


rule eval_all:
    input:
        all_evaluations(),
        standard_evaluations(),


rule judge_all:
    input:
        judge_evaluations(),
