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
"""
from __future__ import annotations

import collections
import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db.models import Q
from django.db.models.functions import Length

from . import frontmatter as fm
from .documents import provider_document, topic_document
from .importer import ARTICLE_VALUE_COLUMNS, IMAGE_VALUE_COLUMNS, RELATED_VALUE_COLUMNS, document_from_values
from .models import Article, ArticleImage, ArticleTopic, Provider, RelatedStory, Topic

CHUNK = 2000
CHUNK_BYTES = 16 * 1024 * 1024
WRITER_THREADS = int(os.environ.get("NEWSROOM_EXPORT_THREADS", "8"))


class UnsafePath(ValueError):
    pass


@dataclass
class ExportResult:
    written: list = field(default_factory=list)
    unchanged: int = 0
    errors: list = field(default_factory=list)
    seconds: float = 0.0
    items: int = 0

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


class SiteWriter:
    """Writes files under ``outdir`` atomically, never outside it, never needlessly."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.safe_dirs: set[Path] = {outdir}

    def target(self, rel: str) -> Path:
        """``outdir/rel``, refusing anything that would land outside ``outdir``."""
        if not rel or "\x00" in rel or "\\" in rel:
            raise UnsafePath(f"{rel!r}: not a safe relative path")
        pure = PurePosixPath(rel)
        if pure.is_absolute() or any(part in ("..", ".", "") for part in rel.split("/")) or rel.startswith("~"):
            raise UnsafePath(f"{rel}: refusing to write outside the output folder")
        target = self.outdir.joinpath(*pure.parts)
        parent = target.parent
        if parent not in self.safe_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            resolved = parent.resolve()
            if resolved != self.outdir and self.outdir not in resolved.parents:
                raise UnsafePath(f"{rel}: refusing to write outside the output folder (through a link)")
            self.safe_dirs.add(parent)
        return target

    def write(self, rel: str, text: str) -> bool:
        """Write ``text`` at ``rel`` atomically; False when the file already holds it."""
        data = text.encode("utf-8")
        target = self.target(rel)
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            pass
        else:
            if stat.S_ISLNK(info.st_mode):
                raise UnsafePath(f"{rel}: refusing to write through a symbolic link")
            if info.st_size == len(data) and target.read_bytes() == data:
                return False
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:  # left over by a killed run of ours
            os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
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
    except fm.FrontMatterError as exc:
        return obj.path, None, str(exc)


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


def iter_article_chunks(queryset):
    """Yield lists of (path, text, error), one list per chunk of ``queryset``'s articles
    in primary-key order (four queries a chunk)."""
    last = 0
    base = queryset.order_by("pk")
    while True:
        # A chunk is at most CHUNK items and about CHUNK_BYTES of text: items are stored
        # in path order, so big files (newsletters) come together. Their sizes first.
        sizes = list(base.filter(pk__gt=last).values_list("pk", Length("source_text") + Length("body"))[:CHUNK])
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


def iter_article_files(queryset):
    """Yield (path, text, error) for each article of ``queryset``, streaming in chunks."""
    for chunk in iter_article_chunks(queryset):
        yield from chunk


def export_site(outdir, *, articles=None, published_only=False, since=None, collection=None, topic=None,
                provider=None, with_taxonomy=True, progress=None) -> ExportResult:
    """Write the items (and providers and topics) as a front-matter site under ``outdir``."""
    started = time.monotonic()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    outdir = outdir.resolve()
    result = ExportResult()
    writer = SiteWriter(outdir)
    queryset = filter_articles(articles, published_only=published_only, since=since, collection=collection, topic=topic, provider=provider)

    def write_all(jobs):
        out = []
        for rel, text, error in jobs:
            if error is None:
                try:
                    out.append((rel, writer.write(rel, text), None))
                    continue
                except (OSError, UnsafePath) as exc:
                    error = f"{rel}: {exc}"
            out.append((rel, None, error))
        return out

    def collect(future):
        for rel, written, error in future.result():
            if error is not None:
                result.errors.append(error)
            elif written:
                result.written.append(rel)
            else:
                result.unchanged += 1

    # Creating files is the slow part (file system calls, which release the GIL): each
    # chunk is written by all the threads at once, a slice each, while the next chunk is
    # read and rendered. At most two chunks are in flight, so memory stays flat.
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        in_flight = collections.deque()

        def submit(jobs):
            step = max(1, -(-len(jobs) // WRITER_THREADS))
            for i in range(0, len(jobs), step):
                in_flight.append(pool.submit(write_all, jobs[i:i + step]))
            while len(in_flight) > 2 * WRITER_THREADS:
                collect(in_flight.popleft())

        if with_taxonomy:
            jobs = [_record_job(obj, provider_document, "provider")
                    for obj in Provider.objects.exclude(path=None).exclude(path="").order_by("pk")]
            jobs += [_record_job(obj, topic_document, "topic")
                     for obj in Topic.objects.exclude(path=None).exclude(path="").select_related("parent").order_by("pk")]
            submit(jobs)
        for chunk in iter_article_chunks(queryset):
            result.items += len(chunk)
            submit(chunk)
            if progress:
                progress(result.items)
        while in_flight:
            collect(in_flight.popleft())
    result.seconds = time.monotonic() - started
    return result
