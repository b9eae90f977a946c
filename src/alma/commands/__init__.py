"""Subcommands of the ``alma`` CLI, grouped by workflow stage; each module has ``register()``."""

from __future__ import annotations

import argparse
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
