"""Database -> front-matter files.

Items are streamed in primary-key order, a chunk at a time (four queries a chunk), so
memory stays flat whatever the size of the site. For each item the exporter rebuilds the
document the database holds and compares its digest with the one recorded at import:

- equal: the item did not change, and the file is written byte for byte as it was read;
- different: the item changed (admin, service, shell ``save()``, SQL...), and the
  document is rendered in its own file's style, so only the changed fields' lines differ;
- no source: the item was created in Newsroom and is written in the news style.

A file whose content would not change is not rewritten; every write goes to a temporary
file renamed into place; nothing is written outside the output folder.

Files are written in line (writer threads only added GIL contention); with ``jobs`` > 1
(``export_frontmatter --jobs N``) forked worker processes each read, render and write
ranges of items, which puts every core to work on a large site.
"""
from __future__ import annotations

import multiprocessing
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections
from django.db.models import Func, IntegerField, Q

from . import frontmatter as fm
from .documents import provider_document, topic_document
from .importer import ARTICLE_VALUE_COLUMNS, IMAGE_VALUE_COLUMNS, RELATED_VALUE_COLUMNS, document_from_values
from .models import Article, ArticleImage, ArticleTopic, Provider, RelatedStory, Topic

CHUNK = 2000
CHUNK_BYTES = 16 * 1024 * 1024


class UnsafePath(ValueError):
    pass


class TextSize(Func):
    """About the size of a text, cheaply: on PostgreSQL its bytes, read from the value's
    header (``LENGTH`` counts characters, decompressing every stored text first: it was
    the export's most costly query); elsewhere ``LENGTH``."""

    function = "LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="OCTET_LENGTH", **extra_context)


@dataclass
class ExportResult:
    written: list = field(default_factory=list)
    unchanged: int = 0
    errors: list = field(default_factory=list)
    seconds: float = 0.0
    items: int = 0
    processes: int = 1  # that read, rendered and wrote the items

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        total = len(self.written) + self.unchanged + self.failed
        return (
            f"written {len(self.written)}, unchanged {self.unchanged}, failed {self.failed} "
            f"({total} files in {self.seconds:.1f} s)"
        )


_O_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class SiteWriter:
    """Writes files under ``outdir`` atomically, never outside it, never needlessly.

    Paths are handled as strings (pathlib costs more than writing a small file). A folder
    this writer created itself holds no file it has not written, so files written there
    skip the look at what is already in place.
    """

    def __init__(self, outdir: Path):
        self.outdir = str(outdir)
        self.safe_dirs: set[str] = {self.outdir}
        self.fresh_dirs: set[str] = set()
        # Linux: a new file is written unnamed (O_TMPFILE) and linked in place once
        # complete: one entry added to the folder instead of a temporary name created
        # then renamed, and nothing at all is left if the export is killed midway.
        self._unnamed = hasattr(os, "O_TMPFILE")
        self._linked = False  # an unnamed file was linked: errors from now on are real
        self._proc_fd = None
        if self._unnamed:
            try:  # the open files of this process, to link one by its descriptor
                self._proc_fd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                self._unnamed = False

    def close(self) -> None:
        if self._proc_fd is not None:
            os.close(self._proc_fd)
            self._proc_fd = None
            self._unnamed = False

    def _write_new(self, folder: str, target: str, data: bytes) -> bool:
        """Write a file that does not exist yet, unnamed then linked; False when it
        cannot be done so (the caller then writes it the portable way)."""
        try:
            fd = os.open(folder, os.O_WRONLY | os.O_TMPFILE, 0o644)
        except OSError:  # this file system has no O_TMPFILE
            self._unnamed = False
            return False
        try:
            _write_fd(fd, data)
            os.link(str(fd), target, src_dir_fd=self._proc_fd, follow_symlinks=True)
        except FileExistsError:  # created meanwhile: replaced the portable way
            return False
        except OSError:
            if self._linked:
                raise
            self._unnamed = False  # linkat() through /proc refused here
            return False
        finally:
            os.close(fd)
        self._linked = True
        return True

    def target(self, rel: str) -> str:
        """``outdir/rel``, refusing anything that would land outside ``outdir``."""
        if not rel or "\x00" in rel or "\\" in rel:
            raise UnsafePath(f"{rel!r}: not a safe relative path")
        if rel.startswith(("/", "~")) or any(part in ("..", ".", "") for part in rel.split("/")):
            raise UnsafePath(f"{rel}: refusing to write outside the output folder")
        target = f"{self.outdir}/{rel}"
        parent = target.rpartition("/")[0]
        if parent not in self.safe_dirs:
            self._make_dirs(parent)
            resolved = os.path.realpath(parent)
            if resolved != self.outdir and not resolved.startswith(self.outdir + "/"):
                raise UnsafePath(f"{rel}: refusing to write outside the output folder (through a link)")
            self.safe_dirs.add(parent)
        return target

    def _make_dirs(self, folder: str) -> None:
        """Create ``folder`` under the output folder one level at a time, never through a
        link: a link in OUTDIR (``_news -> /elsewhere``) is refused before anything is
        made outside it."""
        current = self.outdir
        for part in folder[len(self.outdir) + 1:].split("/"):
            current = f"{current}/{part}"
            if current in self.safe_dirs:
                continue
            try:
                os.mkdir(current)
            except FileExistsError:
                if not stat.S_ISDIR(os.lstat(current).st_mode):
                    raise UnsafePath(f"{current[len(self.outdir) + 1:]}: refusing to write through a link or "
                                     f"into a file") from None
            else:
                self.fresh_dirs.add(current)

    def write(self, rel: str, text: str) -> bool:
        """Write ``text`` at ``rel`` atomically; False when the file already holds it."""
        data = text.encode("utf-8")
        target = self.target(rel)
        folder, _, name = target.rpartition("/")
        exists = folder not in self.fresh_dirs
        if exists:
            try:
                info = os.lstat(target)
            except FileNotFoundError:
                exists = False
            else:
                if stat.S_ISLNK(info.st_mode):
                    raise UnsafePath(f"{rel}: refusing to write through a symbolic link")
                if info.st_size == len(data):
                    with open(target, "rb") as handle:
                        if handle.read() == data:
                            return False
        if not exists and self._unnamed and self._write_new(folder, target, data):
            return True
        tmp = f"{folder}/.{name}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, _O_NEW, 0o644)
        except FileExistsError:  # left over by a killed run of ours
            os.unlink(tmp)
            fd = os.open(tmp, _O_NEW, 0o644)
        try:
            try:
                _write_fd(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return True


def article_text(row: dict, doc: dict) -> str:
    """The file text of one article, given its current document."""
    body = row["body"]
    if row["source_text"]:
        if fm.digest(doc, body) == row["source_digest"]:
            return row["source_text"]
        src = fm.parse_source(row["source_text"], row["path"], "article")
        return fm.render(src, doc, body, fm.normalize_article(src))
    return fm.render_new(doc, body)


def record_text(obj, doc: dict, kind: str) -> str:
    if obj.source_text:
        if fm.digest(doc, obj.body) == obj.source_digest:
            return obj.source_text
        src = fm.parse_source(obj.source_text, obj.path, kind)
        return fm.render(src, doc, obj.body, fm.NORMALIZERS[kind](src))
    return fm.render_new(doc, obj.body, kind="yaml" if kind == "topic" else "frontmatter")


def _record_job(obj, document_of, kind):
    try:
        return obj.path, record_text(obj, document_of(obj), kind), None
    except Exception as exc:  # noqa: BLE001 - one bad record does not stop the export
        return obj.path, None, f"{obj.path}: {exc}" if not isinstance(exc, fm.FrontMatterError) else str(exc)


def filter_articles(queryset=None, *, published_only=False, since=None, collection=None, topic=None, provider=None):
    qs = Article.objects.all() if queryset is None else queryset
    if published_only:
        qs = qs.published()
    if since is not None:
        qs = qs.filter(Q(published_at__gte=since) | Q(modified_at__gte=since))
    if collection:
        qs = qs.filter(collection=collection)
    if topic is not None:
        qs = qs.filter(topic_links__topic_id__in=topic.descendant_ids()).distinct()
    if provider is not None:
        qs = qs.filter(provider=provider)
    return qs


def _children_filter(ids):
    """Rows of the chunk's children: a range of article ids when the chunk is dense (an
    index range scan, no list of thousands of parameters), else the ids themselves."""
    first, last = ids[0], ids[-1]
    if last - first < 2 * len(ids):
        return {"article_id__gte": first, "article_id__lte": last}
    return {"article_id__in": ids}


def iter_article_chunks(queryset, *, chunk=CHUNK):
    """Yield lists of (path, text, error), one list per chunk of ``queryset``'s articles
    in primary-key order (four queries a chunk)."""
    last = 0
    base = queryset.order_by("pk")
    while True:
        # A chunk is at most CHUNK items and about CHUNK_BYTES of text: items are stored
        # in path order, so big files (newsletters) come together. Their sizes first.
        sizes = list(base.filter(pk__gt=last).values_list("pk", TextSize("source_text") + TextSize("body"))[:chunk])
        if not sizes:
            return
        total, cut = 0, sizes[0][0]
        for pk, size in sizes:
            total += (size or 0) + 1000
            if total > CHUNK_BYTES:
                break
            cut = pk
        rows = list(base.filter(pk__gt=last, pk__lte=cut).values(*ARTICLE_VALUE_COLUMNS))
        if not rows:
            return
        ids = [row["id"] for row in rows]
        last = ids[-1]
        wanted = set(ids)
        where = _children_filter(ids)
        topics, images, related = {}, {}, {}
        for article_id, label, name in (
            ArticleTopic.objects.filter(**where).order_by("article_id", "position", "pk")
            .values_list("article_id", "label", "topic__name")
        ):
            if article_id in wanted:
                topics.setdefault(article_id, []).append((label, name))
        for image in ArticleImage.objects.filter(**where).order_by("article_id", "position", "pk").values(*IMAGE_VALUE_COLUMNS):
            if image["article_id"] in wanted:
                images.setdefault(image["article_id"], []).append(image)
        for story in RelatedStory.objects.filter(**where).order_by("article_id", "position", "pk").values(*RELATED_VALUE_COLUMNS):
            if story["article_id"] in wanted:
                related.setdefault(story["article_id"], []).append(story)
        out = []
        for row in rows:
            pk = row["id"]
            try:
                doc = document_from_values(row, topics=topics.get(pk, ()), images=images.get(pk, ()), related=related.get(pk, ()))
                out.append((row["path"], article_text(row, doc), None))
            except Exception as exc:  # noqa: BLE001 - one bad item does not stop the export
                out.append((row["path"], None, f"{row['path']}: {exc}"))
        yield out


def _write_jobs(writer: SiteWriter, jobs, result: ExportResult) -> None:
    """Write a list of (path, text, error) and count the outcomes in ``result``."""
    for rel, text, error in jobs:
        if error is None:
            try:
                if writer.write(rel, text):
                    result.written.append(rel)
                else:
                    result.unchanged += 1
                continue
            except (OSError, UnsafePath) as exc:
                error = f"{rel}: {exc}"
        result.errors.append(error)


def _write_articles(writer: SiteWriter, queryset, result: ExportResult, *, chunk=CHUNK, progress=None):
    for jobs in iter_article_chunks(queryset, chunk=chunk):
        result.items += len(jobs)
        _write_jobs(writer, jobs, result)
        if progress:
            progress(result.items)


# ---- worker processes (export --jobs N) ----
# Each worker is forked with the queryset to export, opens its own database connection,
# and writes ranges of primary keys.
_WORKER: dict = {}
# Items per task handed to a worker, and read at a time by it (bounded by CHUNK_BYTES):
# 30,000 items with --jobs 2 took 2.1-2.3 s on PostgreSQL and 2.2 s on SQLite with
# 2000/1000, 2.6-3.2 s and 2.5-3.2 s with 1000/250 (fewer, larger queries).
TASK_ITEMS = 2000
WORKER_CHUNK = 1000


def _init_export_worker(outdir):
    _WORKER["writer"] = SiteWriter(Path(outdir))  # closed with the worker process


def _export_range(bounds):
    first, last = bounds
    part = ExportResult()
    _write_articles(_WORKER["writer"], _WORKER["queryset"].filter(pk__gte=first, pk__lte=last), part, chunk=WORKER_CHUNK)
    return part.written, part.unchanged, part.errors, part.items


def _can_fork(queryset) -> bool:
    """Worker processes read through connections of their own: they must see what this
    one sees (nothing uncommitted, no private in-memory database), and fork must exist."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    connection = connections[queryset.db]
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):
        return False
    return True


def _task_ranges(queryset, jobs):
    """(first pk, last pk) of consecutive runs of items of ``queryset``: TASK_ITEMS
    each, fewer when that gives every one of the ``jobs`` workers a share."""
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    size = max(1, min(TASK_ITEMS, -(-len(pks) // jobs)))
    return [(pks[i], pks[min(i + size, len(pks)) - 1]) for i in range(0, len(pks), size)]


def _export_parallel(queryset, outdir: Path, result: ExportResult, jobs: int, progress=None):
    ranges = _task_ranges(queryset, jobs)
    if not ranges:
        return
    _WORKER["queryset"] = queryset
    connections.close_all()  # the workers must not share this process's connections
    try:
        ctx = multiprocessing.get_context("fork")
        result.processes = min(jobs, len(ranges))
        with ctx.Pool(result.processes, initializer=_init_export_worker, initargs=(str(outdir),)) as pool:
            for written, unchanged, errors, items in pool.imap(_export_range, ranges):
                result.written.extend(written)
                result.unchanged += unchanged
                result.errors.extend(errors)
                result.items += items
                if progress:
                    progress(result.items)
    finally:
        _WORKER.clear()


def export_site(outdir, *, articles=None, published_only=False, since=None, collection=None, topic=None,
                provider=None, with_taxonomy=True, jobs=1, progress=None) -> ExportResult:
    """Write the items (and providers and topics) as a front-matter site under ``outdir``.

    With ``jobs`` > 1 the items are read, rendered and written by that many worker
    processes, each its own range of items (when they can read what this process sees:
    not inside a transaction, not from an in-memory SQLite database; else in this one).
    """
    started = time.monotonic()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    outdir = outdir.resolve()
    result = ExportResult()
    writer = SiteWriter(outdir)
    queryset = filter_articles(articles, published_only=published_only, since=since, collection=collection, topic=topic, provider=provider)
    try:
        if with_taxonomy:
            _write_jobs(writer, [
                _record_job(obj, provider_document, "provider")
                for obj in Provider.objects.exclude(path=None).exclude(path="").order_by("pk")
            ] + [
                _record_job(obj, topic_document, "topic")
                for obj in Topic.objects.exclude(path=None).exclude(path="").select_related("parent").order_by("pk")
            ], result)
        if jobs > 1 and _can_fork(queryset):
            _export_parallel(queryset, outdir, result, jobs, progress)
        else:
            _write_articles(writer, queryset, result, progress=progress)
    finally:
        writer.close()
    result.seconds = time.monotonic() - started
    return result
