"""Subcommands of the ``alma`` CLI, grouped by workflow stage; each module has ``register()``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable


def add_command(sub, name: str, func: Callable, help: str) -> argparse.ArgumentParser:
    """Register one subcommand whose handler is ``func(args)``."""
    parser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(func=func)
    return parser


def add_common(parser: argparse.ArgumentParser, params: bool = True, threads: bool = True) -> None:
    if params:
        parser.add_argument("--params", default="{}", help="the rule's config section, as JSON")
    if threads:
        parser.add_argument("--threads", type=int, default=None, help="torch threads (CPU)")


def set_threads(threads: int | None) -> None:
    """Cap the job's CPU threads (the profile's ``threads``) without importing torch.

    torch and its OpenMP runtime read ``OMP_NUM_THREADS`` when first imported, so a job that
    loads a model later gets the cap from the environment, and a job that needs no model (the
    oracle grade, AlpacaEval with the oracle judge) never pays torch's import. Only a torch that is
    already loaded is capped directly.
    """
    if not threads:
        return
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(int(threads))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(int(threads))
