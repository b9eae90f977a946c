"""Run an ``alma`` training command on the GPUs the job really has: ``python -m alma.launch --gpus 8 -- train-sft ...``.

The workflow knows how many GPUs a job asked for, not how many the node gives it (a test cluster
may schedule fake GPUs). This decides on the node: with two or more visible CUDA devices it execs
``accelerate launch`` with the FSDP config over min(asked, visible) processes; otherwise it runs the
command in this process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def launch_argv(requested: int, visible: int, config_file: str, command: Sequence[str]) -> list[str] | None:
    """The ``accelerate launch`` argv for a multi-GPU job, or None to run ``command`` in-process."""
    processes = min(requested, visible)
    if processes < 2:
        return None
    return ["accelerate", "launch", "--config_file", config_file, "--num_processes", str(processes),
            "-m", "alma.cli", *command]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alma.launch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpus", type=int, required=True, help="GPUs the job asked for")
    parser.add_argument("--config-file", default="workflow/accelerate/fsdp.yaml", help="accelerate config")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the alma subcommand and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    import torch

    accelerate = launch_argv(args.gpus, torch.cuda.device_count(), args.config_file, command)
    if accelerate is not None:
        os.execvp(accelerate[0], accelerate)
    from alma.cli import main as alma_main

    return alma_main(command)


if __name__ == "__main__":
    sys.exit(main())
