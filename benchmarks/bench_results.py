"""Where the benchmark scripts put their numbers: results/bench/<name>.csv (written atomically)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from alma.records import atomic_path


def write_results(name: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with atomic_path(f"results/bench/{name}.csv") as handle:
        handle.write(buffer.getvalue())
