"""``alma <stage>``: one subcommand per workflow rule, with explicit inputs and outputs.

Every Snakemake rule calls exactly one subcommand, so each stage also runs (and is tested)
without Snakemake, e.g.::

    alma select-prompts --pool results/mini/prompts/clustered.jsonl --round 2 \
        --params '{"k": 96, "method": "kmeans", "seed": 7}' --out results/mini/round2/prompts.jsonl \
        --ledger-out results/mini/round2/ledger.jsonl

Errors that come from user input (a malformed record, a bad config value) are printed as one
line naming the file, record and field, with exit status 2; never as a library traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from alma.records import RecordError

COMMAND_MODULES = (
    "alma.commands.data",
    "alma.commands.rounds",
    "alma.commands.judging",
    "alma.commands.evaluating",
    "alma.commands.external",
    "alma.commands.recovery",
    "alma.paper.commands",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="alma", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<stage>")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        result = args.func(args)
    except (RecordError, ValueError, FileNotFoundError) as exc:
        print(f"alma {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
