"""Everything between raw evaluation files and the paper's tables, figures and number check.

Modules (each importable on its own; none of them trains or generates anything):

- ``curve``: per-prompt evaluation files -> round curve (score and 95% bootstrap CI per model,
  benchmark and evaluator, plus the average over benchmarks); best-of-N curves for Figure 3.
- ``tables``: Tables 1-6 and the data behind Figure 2 as DataFrames; CSV, Markdown and LaTeX writers.
- ``figures``: Figure 2 (score by round) and Figure 3 (judge-selected best vs N), PNG and PDF.
- ``reference``: the paper's published numbers and per-metric tolerances under ``tests/reference/paper``.
- ``check``: reproduced tables vs published numbers, cell by cell.
- ``estimate``: pre-flight compute and API-cost estimate of a config.
- ``accounting``: measured compute from Snakemake ``benchmark:`` files.
- ``commands``: the ``alma paper-*``, ``alma estimate`` and ``alma accounting`` subcommands.

Heavy imports (matplotlib) happen inside the functions that need them, so ``alma --help`` stays fast.
"""
