# ALMA (Alignment with Minimal Annotation) as a static Snakemake DAG.
#
#   snakemake --workflow-profile profiles/local                      # the mini world (config/config.yaml)
#   snakemake --profile profiles/slurm --configfile config/paper.yaml  # paper scale on a Slurm cluster
#
# Only WHAT to run comes from config/; WHERE (threads, GPUs, partitions, containers) from profiles/.
from snakemake.utils import min_version

from alma.config import layers_over_default

min_version("9.0")


# A whole run config (it sets `world:`, e.g. config/paper.yaml) is used alone; overlays
# (config/ablations/) lie over the first whole config given, the mini world's when none is.
if layers_over_default(workflow.overwrite_configfiles):

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


# Upstream of the rounds; an ablation run (shared_run set) reads it from its baseline run instead.
if OWNS_UPSTREAM:

    include: "workflow/rules/seed.smk"
    include: "workflow/rules/prompts.smk"
    include: "workflow/rules/judge.smk"
    include: "workflow/rules/train.smk"

    if IS_MINI:

        include: "workflow/rules/mini.smk"

    else:

        include: "workflow/rules/hub.smk"


include: "workflow/rules/rounds.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/paper.smk"


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


rule ablations:
    input:
        ablation_tables(),
