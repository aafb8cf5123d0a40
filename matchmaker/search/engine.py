"""Every Whoosh index operation goes through here: open, search, write, rebuild, compare.

Layout of the index folder (instance/search by default):
  CURRENT        name of the live index directory (swapped atomically by a rebuild)
  index-<stamp>/ the Whoosh index itself
  indexer.lock   an fcntl lock: one process at a time writes (released by the OS on a crash)
Searchers are per thread and refreshed per request; writers never wait on readers.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.filedb.structfile import BufferFile
from whoosh.index import Index
from whoosh.query import Or, Query, Term
from whoosh.reading import ReaderClosed
from whoosh.scoring import BM25F
from whoosh.searching import Results, Searcher
from whoosh.writing import SegmentWriter

from matchmaker.search import viewfiles
from matchmaker.search.schema import SCHEMA_VERSION, make_schema
from matchmaker.search.segments import SegmentView

# Saturate term frequency early; normalise the (long, variable) body by length more than the
# short title and keywords. Measured on the evaluation set (docs/PERFORMANCE.md).
WEIGHTING = BM25F(K1=0.9, B=0.4, body_B=0.8)
LOCK_NAME = "indexer.lock"
POINTER = "CURRENT"
STATUS = "rebuild.json"  # the last (or running) rebuild, for every process's status page


def run_query(searcher: Searcher, query: Query, *, limit: int, filter: Query | None = None) -> Results:
    """Whoosh's own top-``limit`` search, with block-quality skipping switched off.

    Whoosh 2.7.4's ``UnionMatcher.skip_to_quality`` never returns when, in floating point,
    ``aq + bq == minquality`` but ``minquality - bq < aq``: one search box query could hang a
    worker for good (tests/test_search_safety.py has the minimal case). Without the optimisation
    every matching document is scored, which costs little at the search box's query sizes
    (docs/PERFORMANCE.md). Proposals never get here: the character view ranks them (grams.py).
    """
    return searcher.search(query, filter=filter, limit=limit, optimize=False)


class _MappedReader:
    """A read-only file over a buffer that reads without copying the buffer first."""

    def __init__(self, buf: Any) -> None:
        self._buf = memoryview(buf)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(self._pos + size, len(self._buf))
        data = bytes(self._buf[self._pos : end])
        self._pos = end
        return data

    def readline(self, size: int = -1) -> bytes:
        rest = self._buf[self._pos :] if size is None or size < 0 else self._buf[self._pos : self._pos + size]
        line = bytes(rest)
        cut = line.find(b"\n")
        if cut >= 0:
            line = line[: cut + 1]
        self._pos += len(line)
        return line

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf.release()


def _buffer_file(self: BufferFile, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    self._buf, self._name, self.onclose = buf, name, onclose
    self.file = _MappedReader(buf)
    self.is_real = self.is_closed = False


# Whoosh opens each part of a segment's compound file, which it memory-maps, as a ``BufferFile``
# whose ``BytesIO(buf)`` copies the whole part: every worker kept a private copy of the
# postings, the columns and the term index (about 280 MB per worker at 200,000 postings; issue
# 25). Reading the map in place leaves those pages in the page cache, shared by the workers.
BufferFile.__init__ = _buffer_file


class IndexBusy(Exception):
    """Another process is writing the index; the caller leaves its work in the outbox."""


class IndexStore:
    """One on-disk index (with its rebuild generations) and this process's handles on it."""

    def __init__(
        self, path: Path, *, write_timeout: float = 5.0, rebuild_procs: int = 0, parallel_from: int = 5000
    ) -> None:
        self.path = path
        self.write_timeout = write_timeout
        self.rebuild_procs = rebuild_procs  # processes of a rebuild; 0: one per core
        self.parallel_from = parallel_from  # postings from which a rebuild writes segments in parallel
        self.path.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._indexes: dict[str, Index] = {}
        self._guard = threading.Lock()
        self.ready = False  # this process has seen the index usable (indexing.make_ready)

    # --- generations -----------------------------------------------------------------------

    def current_name(self) -> str | None:
        try:
            name = (self.path / POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def state(self) -> str:
        """The index state: "ok", or why it can't be used: "missing", "outdated" (an older schema
        version) or "unreadable" (damaged)."""
        name = self.current_name()
        if name is None or not (self.path / name).is_dir():
            return "missing"
        if not name.startswith(f"index-v{SCHEMA_VERSION}-"):
            return "outdated"
        try:
            with self._index(name).searcher() as searcher:
                searcher.doc_count()
                segments = [leaf.reader().segment() for leaf, _ in searcher.leaf_searchers()]
        except Exception:  # any corruption
            with self._guard:
                self._indexes.pop(name, None)
            return "unreadable"
        if viewfiles.missing(self.path / name, [s.segment_id() for s in segments if s is not None]):
            return "unreadable"  # written without its character view: rebuilt by `search reindex`
        return "ok"

    def is_usable(self) -> bool:
        """The live index exists, opens, is of the current schema version and can be searched."""
        return self.state() == "ok"

    def _index(self, name: str) -> Index:
        with self._guard:
            ix = self._indexes.get(name)
            if ix is None:
                ix = whoosh_index.open_dir(str(self.path / name))
                self._indexes[name] = ix
            return ix

    def new_generation(self) -> tuple[str, Index]:
        """An empty index directory that is not live yet."""
        name = f"index-v{SCHEMA_VERSION}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        (self.path / name).mkdir()
        return name, whoosh_index.create_in(str(self.path / name), make_schema())

    def make_live(self, name: str) -> None:
        """Point CURRENT at ``name`` atomically, then drop older generations."""
        tmp = self.path / f"{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.path / POINTER)
        for old in self.path.glob("index-*"):
            if old.name != name and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # open readers keep their files (POSIX)
                with self._guard:
                    self._indexes.pop(old.name, None)

    # --- rebuild status ----------------------------------------------------------------------

    def write_status(self, **status: Any) -> None:
        """Record a rebuild's progress atomically (other workers' status pages read it)."""
        tmp = self.path / f"{STATUS}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(status, ensure_ascii=False))
        os.replace(tmp, self.path / STATUS)

    def read_status(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.path / STATUS).read_text()))
        except (OSError, ValueError):
            return {}

    # --- locking -------------------------------------------------------------------------

    @contextmanager
    def writing(self, *, wait: float = 0.0) -> Iterator[None]:
        """Hold the indexer lock; raises IndexBusy if another process keeps it past ``wait`` s."""
        handle = open(self.path / LOCK_NAME, "a+")  # noqa: SIM115 - closed in finally
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy() from None
                    time.sleep(0.05)
            yield
        finally:
            handle.close()  # closing releases the lock

    def is_busy(self) -> bool:
        """Another process (or thread) is writing or rebuilding right now."""
        try:
            with self.writing(wait=0.0):
                return False
        except IndexBusy:
            return True

    # --- reading -------------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """This thread's searcher on the live index, refreshed to its latest commit."""
        name = self.current_name()
        if name is None:
            raise FileNotFoundError("search index not built")
        cached: tuple[str, Searcher] | None = getattr(self._local, "searcher", None)
        for attempt in range(3):  # a writer may delete an old TOC between listing and opening
            try:
                # Out of date: open a new searcher rather than Searcher.refresh(). When a writer
                # replaces segments during a refresh, Whoosh closes readers it then still reuses
                # (found under load by bench/load_test.py: ReaderClosed in later searches).
                if cached is None or cached[0] != name or not cached[1].up_to_date():
                    self._discard(cached)
                    cached = (name, self._index(name).searcher(weighting=WEIGHTING))
                self._local.searcher = cached
                return cached[1]
            except (OSError, ReaderClosed):  # a file vanished between listing and opening
                self._discard(cached)
                cached = self._local.searcher = None
                if attempt == 2:
                    raise
                time.sleep(0.02)
        raise AssertionError("unreachable")

    def scope(self) -> str:
        """The index generation this thread's searcher reads: a key for caches built from it."""
        name, _ = self._local.searcher
        return str(self.path / name)

    @staticmethod
    def _discard(cached: tuple[str, Searcher] | None) -> None:
        if cached is not None:
            with suppress(ReaderClosed, OSError):
                cached[1].close()

    def ids_of(self, searcher: Searcher, docnums: list[int]) -> list[int]:
        """Posting ids of documents, read from the id column (not the stored documents). The
        column reader is kept with the searcher, which a thread keeps until the index changes:
        opening it reads every document's offset (10 ms a search at 50,000 postings)."""
        column = getattr(searcher, "_matchmaker_ids", None)
        if column is None:
            column = searcher._matchmaker_ids = searcher.reader().column_reader("id")
        return [int(column[docnum]) for docnum in docnums]

    def stored_stamps(self) -> dict[int, str]:
        """posting id → stamp of every document in the live index."""
        with self._index(self.current_name() or "").searcher() as searcher:
            return {int(f["id"]): f.get("stamp", "") for f in searcher.all_stored_fields()}

    # --- writing (callers hold ``writing()``) -------------------------------------------

    def apply(self, updates: Iterable[dict[str, Any]], deletions: Iterable[int]) -> None:
        """Write new documents and remove others in one Whoosh commit (cancelled on error)."""
        name = self.current_name()
        if name is None:
            raise FileNotFoundError("search index not built")
        updates = list(updates)
        stale = {str(i) for i in deletions} | {d["id"] for d in updates}
        writer = with_views(self._index(name).writer(timeout=self.write_timeout), self.path / name)
        try:
            if stale:  # one delete for all (update_document would open a reader per document)
                writer.delete_by_query(Or([Term("id", i) for i in sorted(stale)]))
            for document in updates:
                writer.add_document(**document)
            writer.commit()
        except BaseException:
            writer.cancel()  # Whoosh would otherwise keep its write lock until the process exits
            raise

    def build(
        self, documents: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None
    ) -> str:
        """A complete new generation from ``documents``; returns its name (not yet live)."""
        name, ix = self.new_generation()
        writer: SegmentWriter = with_views(ix.writer(limitmb=256), self.path / name)
        try:
            for count, document in enumerate(documents, start=1):
                writer.add_document(**document)
                if progress is not None:
                    progress(count)
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(self.path / name, ignore_errors=True)
            raise
        return name

    def build_parts(
        self,
        parts: list[Callable[[str], Segment]],
        *,
        procs: int,
        progress: Callable[[int], None] | None = None,
    ) -> str:
        """A complete new generation whose segments are written side by side, one per part, by
        up to ``procs`` processes at a time. Each part is a picklable callable that writes one
        segment and its view into the generation's folder (with ``write_segment``); it runs in a
        fresh interpreter (``python -m matchmaker.search.parts``), so the caller's threads,
        connections and main module stay its own. Segments stand in the order of ``parts``;
        ``progress`` hears how many documents are written so far. Returns the generation's name
        (not yet live)."""
        name, ix = self.new_generation()
        folder = self.path / name
        try:
            segments = _run_parts(parts, folder, max(1, procs), progress)
            writer: SegmentWriter = with_views(ix.writer(), folder)
            try:
                # As Whoosh's own MpWriter does with multisegment=True: the sub-writers' segments
                # go into the TOC as they are, without merging them into one.
                writer._close_segment()
                writer._commit_toc(segments)
                writer._finish()
            except BaseException:
                writer.cancel()
                raise
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return name


class PartFailed(RuntimeError):
    """A part process of a parallel rebuild exited with an error (its message is kept)."""


def _run_parts(
    parts: list[Callable[[str], Segment]],
    folder: Path,
    procs: int,
    progress: Callable[[int], None] | None,
) -> list[Segment]:
    """Run ``parts`` in part processes, ``procs`` at a time; their segments in the parts' order."""
    waiting = list(enumerate(parts))
    running: dict[int, tuple[subprocess.Popen[bytes], Path, Any, Any]] = {}
    done: dict[int, Segment] = {}
    written = [0] * len(parts)
    try:
        while waiting or running:
            while waiting and len(running) < procs:
                number, part = waiting.pop(0)
                counter = folder / f"part-{number}.progress"
                counter.write_bytes(bytes(8))
                # Closed when the part ends (below) or in the finally: they outlive this loop.
                out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
                process = subprocess.Popen(
                    [sys.executable, "-m", "matchmaker.search.parts", str(folder), str(counter)],
                    stdin=subprocess.PIPE,
                    stdout=out,
                    stderr=err,
                )
                assert process.stdin is not None
                process.stdin.write(pickle.dumps(part))
                process.stdin.close()
                running[number] = (process, counter, out, err)
            time.sleep(0.2)
            for number, (process, counter, out, err) in list(running.items()):
                written[number] = struct.unpack("<q", counter.read_bytes()[:8])[0]
                if process.poll() is None:
                    continue
                del running[number]
                counter.unlink(missing_ok=True)
                with out, err:
                    if process.returncode != 0:
                        err.seek(0)
                        message = err.read().decode(errors="replace").strip().splitlines()
                        raise PartFailed(message[-1] if message else f"exit status {process.returncode}")
                    out.seek(0)
                    done[number] = pickle.load(out)
            if progress is not None:
                progress(sum(written))
    finally:
        for process, _, out, err in running.values():
            process.kill()
            process.wait()
            out.close()
            err.close()
    return [done[number] for number in range(len(parts))]


# In a part process (matchmaker.search.parts): told the number of documents written so far.
report_written: Callable[[int], None] | None = None


def write_segment(folder: str, documents: Iterable[dict[str, Any]], *, limitmb: int = 256) -> Segment:
    """Write ``documents`` as one new segment of the index in ``folder`` (not yet in its TOC: the
    caller commits it with others, build_parts), and its character view beside it."""
    ix = whoosh_index.open_dir(folder)
    writer = SegmentWriter(ix, _lk=False, limitmb=limitmb)  # the parent holds the lock
    per_document_reader = writer.per_document_reader
    writer.per_document_reader = lambda: _Lengths(per_document_reader())  # read once, not per posting
    stored: list[tuple[int, dict[str, Any]]] = []
    for docnum, document in enumerate(documents):
        writer.add_document(**document)
        stored.append((docnum, {k: document[k] for k in ("id", "kind", "org", "title", "keywords", "body")}))
        if report_written is not None and docnum % 100 == 99:
            report_written(docnum + 1)
    segment = writer._finalize_segment()
    if report_written is not None:
        report_written(len(stored))
    view = SegmentView.from_documents(len(stored), stored)
    del stored
    viewfiles.write_view(folder, segment.segment_id(), view)
    return segment


class _Lengths:
    """A segment's per-document reader whose field lengths are read once per field: Whoosh asks
    for a document's length for every one of its postings while it writes them (a tenth of a
    rebuild's time), each time from the length column on disk."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[tuple[str, int], list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._lengths.get((fieldname, default))
        if lengths is None:
            read = self._reader.doc_field_length
            count = self._reader.doc_count_all()
            lengths = self._lengths[fieldname, default] = [read(d, fieldname, default) for d in range(count)]
        return lengths[docnum]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def with_views(writer: SegmentWriter, folder: Path) -> SegmentWriter:
    """``writer``, whose commit writes the character view of each new segment (and fresh norms)
    before the TOC that makes it visible, and deletes those of retired segments after it."""
    commit_toc = writer._commit_toc

    def _commit_toc(segments: list[Segment]) -> None:
        viewfiles.complete(folder, writer.storage, writer.schema, segments)
        commit_toc(segments)
        viewfiles.retire(folder, segments)

    writer._commit_toc = _commit_toc  # Whoosh's writers (and MpWriter) all commit through it
    return writer
