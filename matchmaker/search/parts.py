"""A parallel rebuild's part process: ``python -m matchmaker.search.parts FOLDER PROGRESS``.

Reads one pickled part (a callable that writes one segment and its view into FOLDER, see
``engine.write_segment``) from standard input, runs it, and writes the pickled segment to
standard output. PROGRESS is a file whose first 8 bytes the part keeps at the number of
documents written so far, for the parent's progress report.

A fresh interpreter started with ``-m`` imports only this module and what the part needs, never
the caller's main module: a rebuild started from any script, guarded by ``__main__`` or not,
runs each part once (multiprocessing's spawn re-imports the caller's main module).
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import traceback
from typing import Any

from matchmaker.search import engine


def main(argv: list[str]) -> int:
    folder, progress_path = argv
    part = pickle.load(sys.stdin.buffer)
    fd = os.open(progress_path, os.O_WRONLY)

    def report(count: int) -> None:
        os.pwrite(fd, struct.pack("<q", count), 0)

    try:
        engine.report_written = report
        segment: Any = part(folder)
    except Exception as error:  # the whole traceback, then one line for the parent's message
        traceback.print_exc()
        first = str(error).strip().splitlines()
        print(f"{type(error).__name__}: {first[0] if first else ''}", file=sys.stderr)
        return 1
    finally:
        os.close(fd)
    sys.stdout.buffer.write(pickle.dumps(segment))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
