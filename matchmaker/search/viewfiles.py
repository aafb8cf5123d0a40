"""The character view on disk: written with each Whoosh segment by the process that writes the
segment, memory-mapped read-only by every process that reads it.

Layout, inside an index generation's folder (``index-v…/``):
  cv-<segment id>.view         the segment's arrays (segments.SegmentView without its norms)
  cv-<segment id>.norms-<N>    the segment's vector norms, computed at an index of N documents

A file is one JSON header line (magic, then each array's dtype, shape and offset) and the arrays'
bytes, 64-byte aligned; it is written to a temporary name and moved into place with os.replace,
so a reader sees a whole file or none. Whoosh segments never change, so neither does a segment's
view: an edit deletes the old document (masked per query from Whoosh's deletions) and adds the new
one to a new segment, whose view is written before the Whoosh commit that makes it visible
(``complete``, called from the writer's commit). Norms depend on every segment's document
frequencies: ``complete`` writes fresh ones for any segment whose latest were computed at an index
size more than segments.NORM_DRIFT away. Files of segments merges retired are deleted after the
commit, as Whoosh deletes the segments' own files.

Pages of a mapped file are shared by every process of the machine (the OS page cache), so a
worker that starts reads what the writer wrote instead of building anything.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.base import Segment
from whoosh.fields import Schema
from whoosh.filedb.filestore import Storage
from whoosh.reading import SegmentReader

from matchmaker.search.segments import NORM_DRIFT, SegmentView, segment_norms

log = logging.getLogger(__name__)

PREFIX = "cv-"  # beside Whoosh's files, under names its clean-up does not match
MAGIC = "matchmaker-charview-1"
ALIGN = 64
ARRAYS = ("ids", "kinds", "orgs", "terms", "starts", "rows", "ltf", "df", "counted")
RETIRED = ".retired"  # marks when a segment left the index
RETIRED_FOR = 60.0  # seconds a retired segment's files stay for searchers of earlier commits
KEEP_NORMS = 2  # per live segment: the latest and the one before (searchers of the last commit)


class ViewMissing(Exception):
    """A segment of the live index has no view on disk (damaged, or written by an older release):
    the index is unreadable until `flask search reindex` rebuilds it."""


def folder(index_dir: Path | str) -> Path:
    return Path(index_dir)


def view_path(index_dir: Path | str, segment_id: str) -> Path:
    return folder(index_dir) / f"{PREFIX}{segment_id}.view"


# --- files -----------------------------------------------------------------------------------


def _write(path: Path, arrays: dict[str, np.ndarray], **meta: Any) -> None:
    header: dict[str, Any] = {"magic": MAGIC, **meta, "arrays": {}}
    offset = 0
    for name, array in arrays.items():
        header["arrays"][name] = [array.dtype.str, list(array.shape), offset]
        offset += -(-array.nbytes // ALIGN) * ALIGN
    head = json.dumps(header).encode() + b"\n"
    start = -(-len(head) // ALIGN) * ALIGN
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(head.ljust(start, b" "))
        for array in arrays.values():
            data = np.ascontiguousarray(array).tobytes()
            handle.write(data.ljust(-(-len(data) // ALIGN) * ALIGN, b"\0"))
    os.replace(
        tmp, path
    )  # not fsynced, as Whoosh does not sync its segments: a crash is repaired by a reindex


def _map(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and read-only arrays of a file, mapped (not read) into memory."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        mapped = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ)
    end = bytes(mapped[: min(size, 1 << 16)]).index(b"\n")
    header = json.loads(bytes(mapped[:end]))
    if header.get("magic") != MAGIC:
        raise ValueError(f"not a character view file: {path}")
    start = -(-(end + 1) // ALIGN) * ALIGN
    arrays = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        count = int(np.prod(shape)) if shape else 1
        if not count:
            arrays[name] = np.zeros(shape, np.dtype(dtype))
            continue
        array = np.frombuffer(mapped, dtype=np.dtype(dtype), count=count, offset=start + offset)
        arrays[name] = array.reshape(shape)
    return header, arrays


def write_view(index_dir: Path | str, segment_id: str, view: SegmentView) -> None:
    _write(view_path(index_dir, segment_id), {name: getattr(view, name) for name in ARRAYS})


def load_view(index_dir: Path | str, segment_id: str) -> SegmentView:
    """A segment's view with its arrays mapped from disk, and its latest norms if any."""
    try:
        _, arrays = _map(view_path(index_dir, segment_id))
    except FileNotFoundError:
        raise ViewMissing(segment_id) from None
    a = arrays
    view = SegmentView(
        a["ids"], a["kinds"], a["orgs"], a["terms"], a["starts"], a["rows"], a["ltf"], a["df"], a["counted"]
    )
    view.norms = latest_norms(index_dir, segment_id)
    return view


def _norm_files(index_dir: Path | str, segment_id: str) -> list[tuple[int, Path]]:
    found = []
    for path in folder(index_dir).glob(f"{PREFIX}{segment_id}.norms-*"):
        try:
            found.append((int(path.name.rsplit("-", 1)[1]), path))
        except ValueError:
            continue
    return sorted(found, key=lambda f: f[1].stat().st_mtime_ns if f[1].exists() else 0)


def latest_norms(
    index_dir: Path | str, segment_id: str, near: int | None = None
) -> tuple[int, np.ndarray] | None:
    """(index size, norms) of the segment: the latest written, or the one computed nearest to an
    index of ``near`` documents."""
    files = _norm_files(index_dir, segment_id)
    if near is not None:
        files.sort(key=lambda f: abs(f[0] - near))
        files = files[:1]
    for size, path in reversed(files):
        try:
            _, arrays = _map(path)
        except (FileNotFoundError, ValueError):
            continue
        return size, arrays["norms"]
    return None


def write_norms(index_dir: Path | str, segment_id: str, size: int, norms: np.ndarray) -> None:
    _write(
        folder(index_dir) / f"{PREFIX}{segment_id}.norms-{size}",
        {"norms": norms.astype(np.float64)},
        size=size,
    )


# --- the writer's part -----------------------------------------------------------------------


def complete(index_dir: Path | str, storage: Storage, schema: Schema, segments: Sequence[Segment]) -> None:
    """Before a commit makes ``segments`` the index: every segment has its view and norms computed
    within NORM_DRIFT of the index's new size. Views are built from the segment's stored documents
    where a writer did not already write one (a commit's new or merged segment)."""
    views: list[tuple[str, SegmentView]] = []
    for segment in segments:
        sid = segment.segment_id()
        try:
            view = load_view(index_dir, sid)
        except ViewMissing:
            reader = SegmentReader(storage, schema, segment)
            try:
                built = SegmentView.build(reader)
            finally:
                reader.close()
            write_view(index_dir, sid, built)
            view = load_view(index_dir, sid)
        views.append((sid, view))
    size = int(sum(int(v.counted.sum()) for _, v in views))
    every = [v for _, v in views]
    for sid, view in views:
        known = view.norms
        if known is None or abs(known[0] - size) > NORM_DRIFT * max(known[0], 1):
            write_norms(index_dir, sid, size, segment_norms(view, every, size))


def retire(index_dir: Path | str, segments: Iterable[Segment]) -> None:
    """After a commit: delete the files of segments no longer in the index once they have been
    out of it for RETIRED_FOR seconds (a searcher that opened the previous commit a moment ago
    still maps them), and old norms of live segments."""
    live = {s.segment_id() for s in segments}
    base = folder(index_dir)
    if not base.is_dir():
        return
    now = time.time()
    for path in base.iterdir():
        if path.name.startswith(f".{PREFIX}"):  # a file being written (or left by a crash)
            if _age(path, now) > 3600:
                path.unlink(missing_ok=True)
            continue
        if not path.name.startswith(PREFIX):
            continue  # Whoosh's own
        sid = path.name[len(PREFIX) :].split(".", 1)[0]
        if sid in live:
            continue
        if not path.name.endswith(RETIRED):
            marker = base / f"{PREFIX}{sid}{RETIRED}"
            if not marker.exists():
                marker.touch()
            elif _age(marker, now) > RETIRED_FOR:
                path.unlink(missing_ok=True)
        elif _age(path, now) > 2 * RETIRED_FOR:
            path.unlink(missing_ok=True)  # the marker goes after the files it kept
    for sid in live:
        for _, path in _norm_files(index_dir, sid)[:-KEEP_NORMS]:
            path.unlink(missing_ok=True)


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def missing(index_dir: Path | str, segment_ids: Iterable[str]) -> list[str]:
    """Segments of an index with no view on disk."""
    return [sid for sid in segment_ids if not view_path(index_dir, sid).is_file()]
