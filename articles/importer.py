"""Front-matter files -> database.

``import_paths()`` walks the given files and folders, reads each file once, skips those
whose bytes did not change since the last import (a hash compare, no parsing), parses
the rest (in worker processes with ``jobs > 1``, which on PostgreSQL also insert the new
items) and applies each file atomically: a failed file leaves the database as it was and
the others still import. It returns an
``ImportResult`` with one outcome per file, like django-import-export's results.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import gc
import multiprocessing
import os
import queue
import stat
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connections, models, router, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import frontmatter as fm
from . import search_indexes, signals
from .documents import article_document, article_rows, collection_of, provider_rows, topic_rows, provider_document, topic_document
from .models import PUBLISH_PERMISSION, Article, ArticleImage, ArticleTopic, OrderedJSONField, Provider, RelatedStory, Topic

BATCH_SIZE = 500
# Files per task of a --jobs worker that inserts what it parsed (one transaction each).
WRITER_CHUNK_FILES = 250
# Kinds of file applied before the items (providers and topics the items name).
SMALL_KINDS = ("topic", "maybe-topic", "provider")
# Chunks of files in flight per --jobs worker: enough for the workers to go on parsing
# while the database takes a batch (BATCH_SIZE files) in one go.
WINDOW = 8
# Folders of the site root that hold no content of the format: the JSON API's output,
# Jekyll's build output and theme parts, static files, and drafts. Jekyll never
# publishes ``_drafts/`` (not a collection: posts nobody has decided to publish yet):
# its files are skipped and named at the default verbosity, never made public items.
# Below the root these names are ordinary folders (``_news/api/`` is news).
ROOT_SKIP_DIRS = {"api", "_site", "_layouts", "_includes", "_sass", "_plugins", "assets", "vendor", "_drafts"}
DRAFTS = "_drafts"
# Skipped at any depth: dependencies and hidden folders (.git, ...).
SKIP_DIRS = {"node_modules"}
STATUSES = ("created", "updated", "unchanged", "conflict", "failed")
# A first import (no item stored yet) of at least this many files builds PostgreSQL's
# search indexes once at the end rather than row by row (see search_indexes.py).
BULK_LOAD_FILES = 1000


@dataclass
class FileResult:
    path: str
    status: str
    kind: str = "article"
    errors: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    object_id: int | None = None
    traceback: str = ""  # of an unexpected error (shown at -v 3)
    warnings: list = field(default_factory=list)  # values kept that look odd (shown at -v 2)


@dataclass
class ImportResult:
    files: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    # Files of collection folders skipped for a reason worth telling at the default
    # verbosity ("_news/x.md: skipped: empty file"): usually an accident.
    notices: list = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    # (index names, seconds) when a first import built the search indexes at its end.
    indexes_built: tuple | None = None
    # How many processes inserted new items (the --jobs workers on PostgreSQL).
    writer_processes: int = 1

    @property
    def counts(self) -> dict:
        counts = {status: 0 for status in STATUSES}
        for outcome in self.files:
            counts[outcome.status] += 1
        counts["skipped"] = len(self.skipped)
        return counts

    @property
    def ok(self) -> bool:
        counts = self.counts
        return counts["failed"] == 0 and counts["conflict"] == 0

    def summary(self) -> str:
        c = self.counts
        return (
            f"created {c['created']}, updated {c['updated']}, unchanged {c['unchanged']}, "
            f"conflicts {c['conflict']}, failed {c['failed']} "
            f"({len(self.files)} files in {self.seconds:.1f} s)"
        )

    def errors(self) -> list[str]:
        return [e for f in self.files for e in f.errors]


class ImportUsageError(ValueError):
    """Bad arguments (a path that does not exist, a root that does not contain it)."""


# --------------------------------------------------------------------------------------
# Finding files
# --------------------------------------------------------------------------------------
def find_root(path: Path) -> Path:
    """The nearest ancestor holding _config.yml, else the folder itself (a file's folder)."""
    start = path if path.is_dir() else path.parent
    for folder in [start, *start.parents]:
        if (folder / "_config.yml").is_file():
            return folder
    return start


@functools.lru_cache(maxsize=4096)
def _folder(folder: str) -> tuple:
    """(skipped, first part, second part, depth) of a folder relative to the root."""
    parts = folder.split("/") if folder else []
    skipped = bool(parts) and parts[0] in ROOT_SKIP_DIRS or any(p in SKIP_DIRS or p.startswith(".") for p in parts)
    return skipped, parts[0] if parts else None, parts[1] if len(parts) > 1 else None, len(parts)


def guess_kind(rel: str) -> str | None:
    """article / provider / topic / maybe-topic by location; None when not content."""
    folder, _, name = rel.rpartition("/")
    skipped, first, second, depth = _folder(folder)
    if skipped or name.startswith("."):
        return None
    lower = name.lower()
    if first == "_data":
        if depth >= 2 and second == "organizations" and lower.endswith(fm.CONTENT_SUFFIXES):
            return "provider"
        if depth >= 2 and second == "topics" and lower.endswith(fm.DATA_SUFFIXES):
            return "topic"
        return None
    if lower.endswith(fm.DATA_SUFFIXES):
        return None if depth == 0 and lower in ("_config.yml", "_config.yaml") else "maybe-topic"
    if lower.endswith(fm.CONTENT_SUFFIXES):
        return "article" if depth >= 1 and first.startswith("_") else "maybe-article"
    return None


def item_path_problem(rel: str) -> str | None:
    """Why ``rel`` cannot be an item's path, or None: it must be a plain relative path
    that an import of the exported site reads back as an item (``_news/x.md``; not a
    provider's or topic's file, not in a skipped or hidden folder, not outside the site)."""
    if not rel:
        return "empty"
    if any(ord(c) < 32 or c in "\\\x7f" for c in rel) or rel.startswith(("/", "~")):
        return "not a plain relative path"
    if any(part in ("", ".", "..") for part in rel.split("/")):
        return "must stay inside the site (no empty, '.' or '..' parts)"
    if guess_kind(rel) != "article":
        return (f"an import would not read {rel} as an item: items live in a collection folder "
                f"(such as _news/) and end in {', '.join(fm.CONTENT_SUFFIXES)}")
    return None


def _walk_files(top: str, base: str) -> tuple[list, list]:
    """(files, problems): (absolute path, path relative to ``base``, is a link) of every
    file under ``top``, and (relative path, reason) of each folder or entry that could not
    be listed or examined (a path too long for the system, no permission, an I/O error).

    Links are listed (to be skipped and counted), never followed. A problem is that
    entry's failure, never the run's: the caller reports it by name. A folder gone since
    its parent was listed is passed over. Sorted folder by folder, like
    ``sorted(Path(top).rglob("*"))``.
    """
    cut = len(base.rstrip("/")) + 1
    found, problems = [], []
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    try:
                        if entry.is_symlink():
                            found.append((entry.path, entry.path[cut:], True))
                        elif entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            found.append((entry.path, entry.path[cut:], False))
                    except OSError as exc:
                        problems.append((entry.path[cut:], exc.strerror or str(exc)))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            problems.append((folder[cut:] + "/", exc.strerror or str(exc)))
    found.sort(key=lambda item: item[1].split("/"))
    problems.sort()
    return found, problems


def shown_path(rel: str) -> str:
    """A path as text that can be printed and stored: a file name that is not UTF-8
    (read with surrogate escapes) shows its odd bytes as \\x.. escapes."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")


def discover(paths, root=None):
    """(entries, skipped, refused): (absolute path, relative path, kind guess) of the
    files to read, the paths passed over, and (path, message) of the files refused by
    their name alone."""
    entries, skipped, refused = [], [], []
    for raw in paths:
        path = Path(raw).resolve()
        if not path.exists():
            raise ImportUsageError(f"{raw}: no such file or folder")
        base = Path(root).resolve() if root else find_root(path)
        try:
            path.relative_to(base)
        except ValueError:
            raise ImportUsageError(f"{raw} is not inside the root {base}") from None
        if path.is_file():
            files = [(str(path), path.relative_to(base).as_posix(), path.is_symlink())]
        else:
            files, problems = _walk_files(str(path), str(base))
            for rel, reason in problems:
                shown = shown_path(rel)
                if not _folder(shown.rstrip("/"))[0]:  # (not in a folder that is skipped anyway)
                    refused.append((shown, f"{shown}: cannot be read: {reason}"))
        for abs_path, rel, is_link in files:
            shown = shown_path(rel)
            if is_link:
                skipped.append(shown)
                continue
            if shown != rel:
                if guess_kind(shown) is not None:
                    refused.append((shown, f"{shown}: the file name is not UTF-8 (rename the file)"))
                else:
                    skipped.append(shown)
                continue
            kind = guess_kind(rel)
            if kind is None:
                skipped.append(rel)
            else:
                entries.append((abs_path, rel, kind))
    seen, unique = {}, []
    for entry in entries:
        first = seen.get(entry[1])
        if first is None:
            seen[entry[1]] = entry[0]
            unique.append(entry)
        elif first != entry[0]:  # (the same file named twice, a folder and a file in it: read once)
            # An item is its path under the root: a second file at that path, under
            # another root of the run, is not read, and said so (counted as failed).
            refused.append((entry[1], f"{entry[1]}: not read: {first} has the same path in this run (under another root)"))
    order = {"topic": 0, "maybe-topic": 0, "provider": 1}
    unique.sort(key=lambda e: order.get(e[2], 2))
    return unique, skipped, refused


# --------------------------------------------------------------------------------------
# Reading and parsing (runs in worker processes with jobs > 1: no database here)
# --------------------------------------------------------------------------------------
@dataclass
class Loaded:
    rel: str
    kind: str
    doc: dict
    body: str
    text: str
    sha: str
    digest: str
    # A new article's rows, ready to insert (see prepare_new_article); its ``doc`` then
    # keeps only ``published``, all the importer still looks at.
    prepared: tuple | None = None
    stat: str = ""  # see file_signature()
    warnings: list = field(default_factory=list)  # values kept that look odd (-v 2)


_KNOWN_SHAS: dict = {}
_NOW = None

# A file whose signature was taken less than this long ago may still change within the
# same clock tick without its times changing: its signature is not kept (git's "racy"
# files).
RACY_NS = 2_000_000_000


def file_signature(info: os.stat_result) -> str:
    """What stat() tells of a file's content: size, modification and change times (the
    kernel sets the change time on every write; no tool can set it back), inode."""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def _stat_record(info: os.stat_result, sha: str) -> str:
    """``source_stat`` of a file read now with these stat() figures and bytes of ``sha``;
    empty when it changed too recently for its times to be trusted."""
    if max(info.st_mtime_ns, info.st_ctime_ns) > time.time_ns() - RACY_NS:
        return ""
    return f"{file_signature(info)}:{sha}"


MAX_COLLECTION = Article._meta.get_field("collection").max_length


def prepare_new_article(rel: str, doc: dict, body: str, text: str, sha: str, digest: str, now, stat: str = "") -> tuple:
    """What inserting a new article takes, computed where it was parsed (a worker with
    ``--jobs``), so the process that writes to the database only fills in ids:

    (article parameters, with None for id and provider_id; (provider domain, name); topic
    labels; image parameters and related-story parameters, with None for article_id).
    """
    rows = article_rows(doc)
    values = {
        **rows["fields"],
        "id": None,
        "path": rel,
        "collection": collection_of(rel, doc),
        "provider_id": None,
        "body": body,
        "source_text": text,
        "source_sha": sha,
        "source_digest": digest,
        "source_stat": stat,
        "imported_at": now,
        "created_at": now,
        "modified_at": now,
        "decided_at": None,
        "decided_by_id": None,
    }
    images = [
        IMAGE_INSERT.prepare({**image, "article_id": None, "position": position})
        for position, image in enumerate(rows["images"])
    ]
    related = [
        RELATED_INSERT.prepare({**story, "article_id": None, "position": position, "target_id": None})
        for position, story in enumerate(rows["related"])
    ]
    return (
        ARTICLE_INSERT.prepare(values),
        (rows["provider_domain"], rows["fields"]["provider_name"]),
        rows["topics"],
        images,
        related,
    )


def _looks_like_page(text: str) -> bool:
    head = text.split("\n---", 1)[0]
    return any(line.startswith(("layout:", "permalink:")) for line in head.splitlines())


# Files are opened one folder at a time from the site's root, never through a symbolic
# link (O_NOFOLLOW on the file and on every folder): a file or a folder replaced by a
# link during a run is refused by name, not followed out of the site. O_NONBLOCK: a
# FIFO put in place of a file cannot hang the run (it is refused as not a file). The
# folders are opened once a run (a process), then files are opened from them: one
# open() a file, as with a path; a folder replaced meanwhile is not followed either.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_BY_FOLDER = os.open in os.supports_dir_fd and _NOFOLLOW != 0
_FOLDERS: dict = {}  # (root, folder) -> descriptor, for the current run
MAX_FOLDERS = 256  # descriptors kept open at most (the usual limit is 1,024 a process)


def close_folders() -> None:
    """Close the folders open_in_site() opened (at the end of a run)."""
    folders = list(_FOLDERS.values())
    _FOLDERS.clear()
    for fd in folders:
        try:
            os.close(fd)
        except OSError:
            pass


def _folder_fd(root: str, folder: str) -> int:
    key = (root, folder)
    fd = _FOLDERS.get(key)
    if fd is None:
        if len(_FOLDERS) >= MAX_FOLDERS:
            close_folders()
        parent, _, name = folder.rpartition("/")
        if not folder:
            fd = os.open(root or "/", _DIR_FLAGS & ~_NOFOLLOW)  # the root itself may be reached through links
        else:
            fd = os.open(name, _DIR_FLAGS, dir_fd=_folder_fd(root, parent))
        _FOLDERS[key] = fd
    return fd


def open_in_site(abs_path: str, rel: str) -> tuple[int, os.stat_result]:
    """A read descriptor (and its stat()) of the regular file ``rel`` of the site whose
    files are under ``abs_path[:-len(rel)]``, opened without following any link below
    the root."""
    root = abs_path[: -len(rel) - 1] if abs_path.endswith("/" + rel) else None
    if root is None or not _BY_FOLDER:
        fd = os.open(abs_path, _FILE_FLAGS)
    else:
        folder, _, name = rel.rpartition("/")
        fd = os.open(name, _FILE_FLAGS, dir_fd=_folder_fd(root, folder))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise fm.FrontMatterError(rel, None, "not a regular file")
    return fd, info


def _read_error(rel: str, exc: OSError) -> str:
    if exc.errno in (errno.ELOOP, errno.EMLINK):  # (O_NOFOLLOW on the file)
        return f"{rel}: cannot read: the file is a symbolic link now (links are not followed)"
    if exc.errno == errno.ENOTDIR:  # (O_NOFOLLOW | O_DIRECTORY on a folder)
        return f"{rel}: cannot read: a folder of its path is a symbolic link now, or no folder (links are not followed)"
    return f"{rel}: cannot read: {exc.strerror or exc}"


def _no_front_matter(data: bytes, text: str) -> str:
    """Why a file of a collection folder holds no item (named at the default verbosity:
    an empty or truncated file is usually an accident)."""
    if not data:
        return "empty file"
    if not text.strip():
        return "only blank lines, no front matter"
    return "no front matter (the file does not start with a '---' line)"


def read_one(entry):
    """('unchanged'|'skipped'|'failed'|'loaded', rel, payload[, traceback]).

    Whatever goes wrong reading or parsing one file is that file's failure, never an
    error of the run: an unexpected one is reported with its traceback.
    """
    abs_path, rel, kind = entry
    try:
        return _read_one(abs_path, rel, kind)
    except fm.FrontMatterError as exc:
        return ("failed", rel, str(exc))
    except OSError as exc:
        return ("failed", rel, _read_error(rel, exc))
    except Exception as exc:  # noqa: BLE001 - a failure of this file; the run goes on
        return ("failed", rel, f"{rel}: unexpected error: {type(exc).__name__}: {exc}", traceback.format_exc())


def _read_one(abs_path, rel, kind):
    max_bytes = settings.NEWSROOM["MAX_FILE_BYTES"]
    fd, info = open_in_site(abs_path, rel)
    try:
        size = info.st_size
        if size > max_bytes:
            raise fm.FrontMatterError(rel, None, f"file is {size} bytes, over the limit of {max_bytes}")
        data = os.read(fd, size + 1)
        if len(data) > size:  # grown since fstat: read it all, within the limit
            while chunk := os.read(fd, 1 << 20):
                data += chunk
                if len(data) > max_bytes:
                    raise fm.FrontMatterError(rel, None, f"file is over the limit of {max_bytes} bytes")
    finally:
        os.close(fd)
    sha = fm.sha256(data)
    if _KNOWN_SHAS.get(rel) == sha:
        return ("unchanged", rel, kind)
    text = fm.decode(rel, data, max_bytes)
    if kind == "maybe-topic":
        if "taxonomy: topic" not in text:
            return ("skipped", rel, None)
        kind = "topic"
    elif kind in ("article", "maybe-article", "provider"):
        if not fm.has_front_matter(text):
            # In a collection folder (_news/, _data/organizations/...), say why.
            return ("skipped", rel, None if kind == "maybe-article" else _no_front_matter(data, text))
        if kind == "maybe-article":
            if _looks_like_page(text):
                return ("skipped", rel, None)
            kind = "article"
        if kind == "article" and "\ntaxonomy: organization" in text.split("\n---", 1)[0]:
            # A provider's file outside _data/organizations/ would share its path with
            # the items' folder (and be exported over an item's file): refused by name.
            line = text[: text.index("\ntaxonomy: organization")].count("\n") + 2
            raise fm.FrontMatterError(rel, line, "a provider's file belongs in _data/organizations/, not in a "
                                                 "collection folder", field="taxonomy")
    parsed = fm.parse_text(rel, text, kind, sha)
    doc, digest = parsed.doc, parsed.digest
    if kind == "article" and len(collection_of(rel, doc)) > MAX_COLLECTION:
        raise fm.FrontMatterError(rel, None, f"the collection name (its first folder) is longer than {MAX_COLLECTION} characters")
    stat_record = _stat_record(info, sha) if kind == "article" else ""
    if kind == "article" and rel not in _KNOWN_SHAS and _NOW is not None:
        prepared = prepare_new_article(rel, doc, parsed.body, text, sha, digest, _NOW, stat_record)
        slim = {"published": doc["published"]} if "published" in doc else {}
        return ("loaded", rel, Loaded(rel, kind, slim, "", "", sha, digest, prepared, stat_record, parsed.warnings))
    return ("loaded", rel, Loaded(rel, kind, doc, parsed.body, text, sha, digest, stat=stat_record, warnings=parsed.warnings))


def _init_worker(known, now=None):
    global _KNOWN_SHAS, _NOW
    _KNOWN_SHAS, _NOW = known, now
    close_folders()  # (a forked worker's copies of its parent's)


# --jobs workers parse at a lower priority than the process that writes to the
# database (and than the database server): that one is the narrowest stage, and with as
# many workers as cores it would otherwise get only its fair share of a core.
WORKER_NICE = 5


# In a --jobs worker that inserts the new items itself (PostgreSQL): its Importer.
_WRITER = None


def _init_pool_worker(known, now=None, writes=False, by=None):
    global _WRITER
    try:
        os.nice(WORKER_NICE)
    except (AttributeError, OSError):  # no nice() here: equal priorities then
        pass
    _init_worker(known, now)
    _WRITER = None
    if writes:
        # A connection of its own, opened when first needed, closed when the worker ends.
        multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)
        _WRITER = Importer(by=by, now=now, new_only=True)


def read_chunk(entries):
    """read_one() of several files: one task (and one message back) per chunk. In a
    worker that writes, the new items are inserted here (see Importer.insert_new)."""
    outcomes = [read_one(entry) for entry in entries]
    return _WRITER.insert_new(outcomes) if _WRITER is not None else outcomes


def _chunks(entries, *, files=32, size=512 * 1024):
    """Entries in chunks of at most ``files`` files or about ``size`` bytes."""
    chunk, total = [], 0
    for entry in entries:
        chunk.append(entry)
        try:
            total += os.path.getsize(entry[0])
        except OSError:
            pass
        if len(chunk) >= files or total >= size:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


class _ReaderFailed:
    def __init__(self, exc):
        self.exc = exc


def _read_ahead(entries, depth=WINDOW):
    """read_chunk() of the entries' chunks, in order, computed by a thread a few chunks
    ahead of the caller.

    The caller writes to the database; while it waits on the database server (another
    process), the GIL is free and the files ahead are read and parsed: one process, and
    both cores busy. The reader touches no database.
    """
    chunks: queue.Queue = queue.Queue(maxsize=depth)
    stopping = threading.Event()

    def read():
        try:
            for chunk in _chunks(entries):
                if stopping.is_set():
                    return
                chunks.put(read_chunk(chunk))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            chunks.put(_ReaderFailed(exc))
            return
        chunks.put(None)

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    try:
        while (outcomes := chunks.get()) is not None:
            if isinstance(outcomes, _ReaderFailed):
                raise outcomes.exc
            yield outcomes
    finally:
        stopping.set()
        while reader.is_alive():  # unblock a reader waiting for room
            try:
                chunks.get_nowait()
            except queue.Empty:
                reader.join(0.01)


# --------------------------------------------------------------------------------------
# Applying
# --------------------------------------------------------------------------------------
class Importer:
    def __init__(self, *, dry_run=False, overwrite=False, by=None, progress=None, now=None, new_only=False):
        """``new_only``: the importer of a --jobs worker, which inserts new items and
        nothing else (see insert_new()): the stored items are not loaded."""
        self.dry_run, self.overwrite, self.by, self.progress = dry_run, overwrite, by, progress
        self.result = ImportResult(dry_run=dry_run)
        self.now = now or timezone.now()
        self.created_ids: list[int] = []
        self.updated_ids: list[int] = []
        self.pending: list[Loaded] = []
        self.may_publish = by is None or by.has_perm(PUBLISH_PERMISSION)
        if overwrite and not self.may_publish:
            # Taking the file's version throws away what editors did on the desk.
            raise PermissionDenied(f"{by} may not overwrite edits made in Newsroom (an editor's right).")
        self.existing = {}
        self.site_root = None  # the folder paths are relative to (set by _import_paths)
        self.known_stats = {}  # path -> file_signature() of the file last read, when trusted
        self.load_caches()
        if new_only:
            return
        for path, pk, sha, dig, signature in (
            Article.objects.values_list("path", "pk", "source_sha", "source_digest", "source_stat").iterator(chunk_size=10000)
        ):
            self.existing[path] = (pk, sha, dig)
            # Trusted only while it vouches for the bytes the database says it has.
            if signature and sha and signature.endswith(sha):
                self.known_stats[path] = signature[: -len(sha) - 1]

    def load_caches(self):
        """Providers by domain (and alias), topics by id and name: read once, kept current."""
        self.providers = {}
        for pk, domain, aliases in Provider.objects.values_list("pk", "domain", "aliases"):
            self.providers[domain] = pk
            for alias in aliases or ():
                self.providers.setdefault(alias, pk)
        self.topics_by_name, self.topics_by_id, self.topic_names = {}, {}, {}
        for pk, topic_id, name in Topic.objects.values_list("pk", "topic_id", "name"):
            self._remember_topic(pk, topic_id, name)

    def _remember_topic(self, pk, topic_id, name):
        self.topic_names[pk] = name
        self.topics_by_id[topic_id] = pk
        self.topics_by_name.setdefault(name, pk)
        self.topics_by_name.setdefault(name.casefold(), pk)

    def known_shas(self) -> dict:
        shas = {path: sha for path, (_pk, sha, _d) in self.existing.items()}
        for model in (Provider, Topic):
            shas.update(model.objects.exclude(path=None).values_list("path", "source_sha"))
        return shas

    # ---- outcomes ----
    def outcome(self, rel, status, kind="article", errors=(), changes=None, object_id=None, traceback="", warnings=()):
        self.result.files.append(FileResult(rel, status, kind, list(errors), changes or {}, object_id, traceback, list(warnings)))

    def handle(self, status, rel, payload, tb=""):
        """Apply one outcome of read_one(). Whatever goes wrong is this file's failure
        (its traceback kept when unexpected), never an error of the run."""
        try:
            self._handle(status, rel, payload, tb)
        except Exception as exc:  # noqa: BLE001 - reported per file, the run goes on
            self.unexpected(rel, exc, getattr(payload, "kind", "article"))

    def unexpected(self, rel, exc, kind="article"):
        self.load_caches()  # what a rolled-back write created is gone: forget it too
        self.outcome(rel, "failed", kind if kind in ("provider", "topic") else "article",
                     errors=[f"{rel}: unexpected error: {type(exc).__name__}: {exc}"], traceback=traceback.format_exc())

    def _handle(self, status, rel, payload, tb):
        if status == "created":  # inserted by a --jobs worker: payload is (pk, sha, digest, warnings)
            self.existing[rel] = payload[:3]
            self.created_ids.append(payload[0])
            self.outcome(rel, "created", object_id=payload[0], warnings=payload[3])
        elif status == "unchanged":
            kind = payload if payload in ("provider", "topic") else "article"
            self.outcome(rel, "unchanged", kind)
        elif status == "skipped":
            self.result.skipped.append(rel)
            if payload:
                self.result.notices.append(f"{rel}: skipped: {payload}")
        elif status == "failed":
            self.outcome(rel, "failed", errors=[payload], traceback=tb)
        elif payload.kind == "article":
            self.article(payload)
        else:
            self.flush()
            self.small(payload)

    # ---- articles ----
    def article(self, item: Loaded):
        if len(item.rel) > 500:
            self.outcome(item.rel, "failed", errors=[f"{item.rel}: path: longer than 500 characters"])
            return
        if not self.may_publish and item.doc.get("published") is not False:
            self.outcome(item.rel, "failed", errors=[
                f"{item.rel}: published: you may not publish items (the file says "
                f"{'published: true' if item.doc.get('published') else 'nothing about published, which makes the item public'}"
                f"; a file of yours must say published: false, and a published item is changed by an Editor)"
            ])
            return
        existing = self.existing.get(item.rel)
        if existing is None:
            if item.prepared is None:
                item.prepared = prepare_new_article(item.rel, item.doc, item.body, item.text, item.sha, item.digest, self.now, item.stat)
            self.pending.append(item)
            if len(self.pending) >= BATCH_SIZE:
                self.flush()
            return
        self.flush()
        self.update_article(existing[0], item)

    def insert_new(self, outcomes: list) -> list:
        """In a --jobs worker: insert the new items among ``read_chunk()``'s outcomes
        (checked and batched as in this process) and hand them back as ``("created",
        rel, (pk, sha, digest))`` or ``("failed", rel, message)``; the rest as they were."""
        for outcome in outcomes:
            if outcome[0] == "loaded" and outcome[2].prepared is not None:
                self.handle(*outcome)
        self.flush()
        if not self.result.files:
            return outcomes
        done = {}
        for outcome in self.result.files:
            if outcome.status == "created":
                done[outcome.path] = ("created", outcome.path, (*self.existing[outcome.path], outcome.warnings))
            else:
                done[outcome.path] = ("failed", outcome.path, "; ".join(outcome.errors), outcome.traceback)
        self.result.files.clear()
        self.existing.clear()
        self.created_ids.clear()
        return [done.get(outcome[1], outcome) for outcome in outcomes]

    def flush(self):
        batch, self.pending = self.pending, []
        if not batch:
            return
        gc.collect(1)  # the young generations only: cheap, and nothing cyclic piles up
        try:
            with transaction.atomic():
                ids = self._create_articles(batch)
        except Exception as exc:  # noqa: BLE001 - reported per file, the run goes on
            # One bad row spoils a bulk insert: apply the batch file by file instead. What
            # the rolled-back batch created (providers, topics) is gone: forget it too.
            self.load_caches()
            if len(batch) == 1:
                expected = isinstance(exc, (DatabaseError, ValueError))
                self.outcome(batch[0].rel, "failed", errors=[
                    f"{batch[0].rel}: {exc}" if expected else f"{batch[0].rel}: unexpected error: {type(exc).__name__}: {exc}"
                ], traceback="" if expected else traceback.format_exc())
                return
            for item in batch:
                self.pending = [item]
                self.flush()
            return
        for item, pk in zip(batch, ids):
            self.existing[item.rel] = (pk, item.sha, item.digest)
            self.created_ids.append(pk)
            self.outcome(item.rel, "created", object_id=pk, warnings=item.warnings)

    def _provider_id(self, domain, name):
        if domain is None:
            return None
        pk = self.providers.get(domain)
        if pk is None:
            provider, _ = Provider.objects.get_or_create(domain=domain, defaults={"name": name or ""})
            pk = self.providers[domain] = provider.pk
        return pk

    def _topic_id(self, label):
        pk = self.topics_by_name.get(label) or self.topics_by_name.get(label.casefold())
        if pk is None:
            slug = fm.topic_slug(label)
            pk = self.topics_by_id.get(slug)
            if pk is None:
                topic, _ = Topic.objects.get_or_create(topic_id=slug, defaults={"name": label})
                pk = topic.pk
                self._remember_topic(pk, topic.topic_id, topic.name)
        return pk

    def _article_instance(self, item: Loaded, rows: dict) -> Article:
        return Article(
            path=item.rel,
            collection=collection_of(item.rel, item.doc),
            provider_id=self._provider_id(rows["provider_domain"], rows["fields"]["provider_name"]),
            body=item.body,
            source_text=item.text,
            source_sha=item.sha,
            source_digest=item.digest,
            source_stat=item.stat,
            imported_at=self.now,
            **rows["fields"],
        )

    def _write_children(self, pk, rows):
        TOPIC_LINK_INSERT.run([
            {"article_id": pk, "topic_id": (t := self._topic_id(label)), "position": position,
             "label": "" if self.topic_names.get(t) == label else label}
            for position, label in enumerate(rows["topics"])
        ])
        IMAGE_INSERT.run([{**image, "article_id": pk, "position": position} for position, image in enumerate(rows["images"])])
        RELATED_INSERT.run([
            {**story, "article_id": pk, "position": position, "target_id": None}
            for position, story in enumerate(rows["related"])
        ])

    def _create_articles(self, batch):
        """Insert a batch of new items: one executemany a table (Django's bulk_create costs
        more than parsing the files). The rows were prepared where the files were parsed."""
        provider_at, pk_at = ARTICLE_INSERT.index("provider_id"), ARTICLE_INSERT.index("id")
        modified_at, written = ARTICLE_INSERT.index("modified_at"), timezone.now()
        ids = ARTICLE_INSERT.next_ids(len(batch))
        values = []
        for item, pk in zip(batch, ids):
            row = list(item.prepared[0])
            row[pk_at] = pk
            row[modified_at] = written  # when written, not when the run started: see finish()
            row[provider_at] = self._provider_id(*item.prepared[1])
            values.append(row)
        ARTICLE_INSERT.insert(values)
        links, images, related = [], [], []
        image_at, related_at = IMAGE_INSERT.index("article_id"), RELATED_INSERT.index("article_id")
        for item, pk in zip(batch, ids):
            _row, _provider, topics, item_images, item_related = item.prepared
            for position, label in enumerate(topics):
                topic_pk = self._topic_id(label)
                links.append({"article_id": pk, "topic_id": topic_pk, "position": position,
                              "label": "" if self.topic_names.get(topic_pk) == label else label})
            for params in item_images:
                params = list(params)
                params[image_at] = pk
                images.append(params)
            for params in item_related:
                params = list(params)
                params[related_at] = pk
                related.append(params)
        TOPIC_LINK_INSERT.run(links)
        IMAGE_INSERT.insert(images)
        RELATED_INSERT.insert(related)
        return ids

    def update_article(self, pk, item: Loaded):
        current_doc, digest_now, stored_digest = current_article_state(pk)
        changes = fm.changes(current_doc, item.doc)
        if item.digest == digest_now:
            # The database already holds what the file says (an export read back, or an
            # identical edit): only the record of the source changes.
            Article.objects.filter(pk=pk).update(
                source_text=item.text, source_sha=item.sha, source_digest=item.digest, source_stat=item.stat, imported_at=self.now,
            )
            self.outcome(item.rel, "unchanged", object_id=pk)
            return
        if "published" in changes and not self.may_publish:
            public = changes["published"][0] is not False  # no `published` key: public
            self.outcome(item.rel, "failed", changes=changes, object_id=pk, errors=[
                f"{item.rel}: published: you may not {'unpublish' if public else 'publish'} items "
                f"(the item is {'published' if public else 'not published'} here)"
            ])
            return
        edited_in_cms = digest_now != stored_digest
        if edited_in_cms and not self.overwrite:
            self.outcome(item.rel, "conflict", changes=changes, object_id=pk, errors=[
                f"{item.rel}: conflict: edited in Newsroom since its last import and changed in the file "
                f"({', '.join(changes) or 'formatting'}); use --overwrite to take the file's version"
            ])
            return
        try:
            with transaction.atomic():
                rows = article_rows(item.doc)
                article = self._article_instance(item, rows)
                article.pk = pk
                fields = [f.attname for f in Article._meta.concrete_fields if f.attname not in ("id", "path", "created_at", "decided_at", "decided_by_id")]
                article.modified_at = timezone.now()  # when written (see finish())
                Article.objects.filter(pk=pk).update(**{name: getattr(article, name) for name in fields})
                ArticleTopic.objects.filter(article_id=pk).delete()
                ArticleImage.objects.filter(article_id=pk).delete()
                RelatedStory.objects.filter(article_id=pk).delete()
                self._write_children(pk, rows)
                article = Article.objects.get(pk=pk)
                signals.article_imported.send(sender=Article, article=article, changes=changes, by=self.by)
        except (DatabaseError, ValueError) as exc:
            self.load_caches()
            self.outcome(item.rel, "failed", errors=[f"{item.rel}: {exc}"])
            return
        self.existing[item.rel] = (pk, item.sha, item.digest)
        self.updated_ids.append(pk)
        self.outcome(item.rel, "updated", changes=changes, object_id=pk, warnings=item.warnings)

    # ---- providers and topics (few; one by one) ----
    def small(self, item: Loaded, *, retry=True):
        """A provider or topic file, applied atomically. Tried once more when it clashed
        with a provider or topic inserted meanwhile (a --jobs worker's, named by items)."""
        model = Provider if item.kind == "provider" else Topic
        document_of = provider_document if item.kind == "provider" else topic_document
        if self.by is not None and not self.by.has_perms(
            [f"articles.add_{model._meta.model_name}", f"articles.change_{model._meta.model_name}"]
        ):
            self.outcome(item.rel, "failed", item.kind, errors=[
                f"{item.rel}: you may not add or change {model._meta.verbose_name_plural}"])
            return
        try:
            with transaction.atomic():
                obj = self._find_small(item)
                if obj is not None and obj.path != item.rel and self._still_there(obj.path):
                    # Two files name one provider (domain) or topic (_id, else the slug
                    # of its name): the first stays, the other fails, run after run.
                    what = f"domain {item.doc['domain']!r}" if item.kind == "provider" else f"topic {obj.topic_id!r}"
                    self.outcome(item.rel, "failed", item.kind, errors=[
                        f"{item.rel}: {'domain' if item.kind == 'provider' else '_id'}: the same {what} as {obj.path}; kept that file's"])
                    return
                if (item.kind == "provider" and obj is not None and obj.domain != item.doc.get("domain")
                        and item.doc.get("domain") in (obj.aliases or ())):
                    # The file of a provider merged into another (its domain is an alias
                    # now): the provider kept is not overwritten with the old record.
                    self.outcome(item.rel, "unchanged", item.kind, object_id=obj.pk)
                    return
                created = obj is None or obj.pk is None
                if not created:
                    current = document_of(obj)
                    digest_now = fm.digest(current, obj.body)
                    changes = fm.changes(current, item.doc)
                    if digest_now == item.digest:
                        model.objects.filter(pk=obj.pk).update(path=item.rel, source_text=item.text, source_sha=item.sha, source_digest=item.digest, imported_at=self.now)
                        self.outcome(item.rel, "unchanged", item.kind, object_id=obj.pk)
                        return
                    if obj.source_digest and digest_now != obj.source_digest and not self.overwrite:
                        self.outcome(item.rel, "conflict", item.kind, changes=changes, object_id=obj.pk, errors=[
                            f"{item.rel}: conflict: edited in Newsroom since its last import and changed in the file "
                            f"({', '.join(changes)}); use --overwrite to take the file's version"])
                        return
                else:
                    changes = {}
                obj = obj or model()
                if item.kind == "provider":
                    values = provider_rows(item.doc)
                else:
                    values = topic_rows(item.doc)
                    values["parent"] = self._parent(values["parent_ref"], values["topic_id"], values.get("name"))
                clash = (Provider.objects.filter(domain__iexact=values["domain"]) if item.kind == "provider"
                         else Topic.objects.filter(topic_id=values["topic_id"])).exclude(pk=obj.pk).first()
                if clash is not None:  # the file now names another record's identity
                    field, key = ("domain", values["domain"]) if item.kind == "provider" else ("_id", values["topic_id"])
                    self.outcome(item.rel, "failed", item.kind, errors=[
                        f"{item.rel}: {field}: {key!r} is already that of {clash.path or clash}; kept as it was"])
                    return
                for name, value in values.items():
                    setattr(obj, name, value)
                obj.path, obj.body, obj.source_text, obj.source_sha = item.rel, item.body, item.text, item.sha
                obj.source_digest, obj.imported_at = item.digest, self.now
                obj.full_clean(exclude=["parent", "images", "authors", "aliases", "keywords", "hashtags", "services", "extra", "body"])
                obj.save()
                if item.kind == "provider":
                    self.providers[obj.domain] = obj.pk
                else:
                    self._remember_topic(obj.pk, obj.topic_id, obj.name)
                    # The digest must describe what the database holds (parent resolved).
                    model.objects.filter(pk=obj.pk).update(source_digest=fm.digest(topic_document(obj), obj.body))
                self.outcome(item.rel, "created" if created else "updated", item.kind, changes=changes, object_id=obj.pk,
                             warnings=item.warnings)
        except Exception as exc:  # noqa: BLE001 - reported per file, the run goes on
            from django.core.exceptions import ValidationError

            if not isinstance(exc, (ValidationError, DatabaseError, ValueError)):
                return self.unexpected(item.rel, exc, item.kind)
            self.load_caches()
            if retry and isinstance(exc, IntegrityError):
                return self.small(item, retry=False)
            message = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items()) if isinstance(exc, ValidationError) and hasattr(exc, "message_dict") else str(exc)
            self.outcome(item.rel, "failed", item.kind, errors=[f"{item.rel}: {message}"])

    def _still_there(self, rel) -> bool:
        """Whether the site still has a file at ``rel`` (else it was renamed or removed)."""
        if not rel or self.site_root is None:
            return False
        try:
            os.lstat(os.path.join(self.site_root, rel))
        except OSError:
            return False
        return True

    def _find_small(self, item):
        if item.kind == "provider":
            domain = item.doc["domain"]
            obj = Provider.objects.filter(path=item.rel).first() or Provider.objects.filter(domain__iexact=domain).first()
            if obj is None and domain in self.providers:
                obj = Provider.objects.get(pk=self.providers[domain])
            return obj
        topic_id, name = item.doc.get("_id"), item.doc.get("name")
        return (
            Topic.objects.filter(path=item.rel).first()
            or Topic.objects.filter(topic_id=topic_id).first()
            or Topic.objects.filter(name=name, path=None).first()
        )

    def _parent(self, ref, own_id, own_name=None):
        if not ref:
            return None
        if ref in (own_id, own_name) or (own_name and ref.casefold() == own_name.casefold()) or fm.topic_slug(ref) == own_id:
            return None  # a topic naming itself as its parent is a root (the text is kept)
        pk = self.topics_by_id.get(ref) or self.topics_by_name.get(ref) or self.topics_by_name.get(ref.casefold())
        if pk is None:
            pk = self._topic_id(ref)
        return None if self.topics_by_id.get(own_id) == pk else Topic.objects.get(pk=pk)

    # ---- after the run ----
    def finish(self):
        """Write what is pending, link related stories, then move the content stamp.

        The public site's stamp is ``MAX(modified_at)``. Rows carry the time they were
        written, but an edit committed while a batch was being written can carry a later
        time than the batch, so the maximum would not move when the batch lands and pages
        cached in between would stay stale. Touching one written item once every write of
        the run has committed moves the stamp past everything a reader could have seen.
        """
        self.flush()
        if self.created_ids or self.updated_ids:
            link_related_stories()
            last = max(self.created_ids + self.updated_ids)
            Article.objects.filter(pk=last).update(modified_at=timezone.now())
        signals.import_finished.send(sender=Article, created_ids=self.created_ids, updated_ids=self.updated_ids, by=self.by)


class RawInsert:
    """``INSERT`` of many rows with one ``executemany``, values adapted once per column.

    ``with_pk``: the rows carry their primary key, taken beforehand with ``next_ids()``
    (no query afterwards to learn what the database gave them).
    """

    def __init__(self, model, *, with_pk=False):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.columns = [f.attname for f in self.fields]
        self._adapter_cache: dict = {}

    def next_ids(self, count: int) -> list[int]:
        """``count`` primary keys no row has or will be given by anyone else; call it
        in the transaction that inserts them."""
        connection = self._connection()
        table, pk = self.model._meta.db_table, self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), pk, count],
                )
                return sorted(row[0] for row in cursor.fetchall())
            if connection.vendor == "sqlite":
                # AUTOINCREMENT: past the largest id ever given (sqlite_sequence) and the
                # largest there is. The transaction holds the write lock from its start
                # (transaction_mode IMMEDIATE in the settings), so no one else can take
                # these before the rows are in.
                qn = connection.ops.quote_name
                cursor.execute(
                    f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                    f"coalesce((SELECT max({qn(pk)}) FROM {qn(table)}), 0))",
                    [table],
                )
                start = cursor.fetchone()[0] + 1
                return list(range(start, start + count))
        raise NotImplementedError(f"next_ids() on {connection.vendor}")

    def _connection(self):
        return connections[router.db_for_write(self.model)]

    def _adapters(self, connection):
        key = (connection.alias, connection.vendor)
        cached = self._adapter_cache.get(key)
        if cached is None:
            cached = self._adapter_cache[key] = self._make_adapters(connection)
        return cached

    def _make_adapters(self, connection):
        adapters = []
        for f in self.fields:
            if isinstance(f, OrderedJSONField):
                adapters.append(f.get_prep_value)
            elif isinstance(f, models.DateTimeField):
                adapters.append(_datetime_adapter(connection))
            else:
                adapters.append(None)
        return adapters

    def index(self, column) -> int:
        return self.columns.index(column)

    def prepare(self, row: dict) -> list:
        """One row's parameters, adapted, in column order (no database access: this runs
        in the import's worker processes too)."""
        adapters = self._adapters(self._connection())
        return [row[c] if adapt is None or row[c] is None else adapt(row[c]) for c, adapt in zip(self.columns, adapters)]

    def run(self, rows):
        if rows:
            adapters = self._adapters(self._connection())
            self.insert([
                [row[c] if adapt is None or row[c] is None else adapt(row[c]) for c, adapt in zip(self.columns, adapters)]
                for row in rows
            ])

    def insert(self, params):
        """Insert rows given as parameter lists (``prepare()``'s)."""
        if not params:
            return
        connection = self._connection()
        qn = connection.ops.quote_name
        table, columns = qn(self.model._meta.db_table), ", ".join(qn(f.column) for f in self.fields)
        if connection.vendor == "postgresql":
            # COPY loads rows about twice as fast as a pipelined executemany of INSERTs.
            with connection.cursor() as cursor, connection.wrap_database_errors:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in params:
                        copy.write_row(row)
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(table, columns, ", ".join(["%s"] * len(self.fields)))
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


_last_utc_text = (None, None)  # (the last value converted, its text): an import's "now", mostly


def _to_utc_text(value):
    global _last_utc_text
    last = _last_utc_text  # one tuple, rebound whole: safe with the reader thread
    if value is last[0]:
        return last[1]
    text = str(value.astimezone(dt.timezone.utc).replace(tzinfo=None))
    _last_utc_text = (value, text)
    return text


def _datetime_adapter(connection):
    """The backend's adapter of aware datetimes; for SQLite with UTC storage (Django's
    default), the same text for a fraction of the cost (a few per file)."""
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone == dt.timezone.utc:
        return _to_utc_text
    return connection.ops.adapt_datetimefield_value


ARTICLE_INSERT = RawInsert(Article, with_pk=True)
TOPIC_LINK_INSERT = RawInsert(ArticleTopic)
IMAGE_INSERT = RawInsert(ArticleImage)
RELATED_INSERT = RawInsert(RelatedStory)


def current_article_state(pk):
    """(document, its digest, the digest recorded at the last import) of one article."""
    row = Article.objects.filter(pk=pk).values(*ARTICLE_VALUE_COLUMNS).get()
    doc = document_from_values(
        row,
        topics=list(ArticleTopic.objects.filter(article_id=pk).order_by("position").values_list("label", "topic__name")),
        images=list(ArticleImage.objects.filter(article_id=pk).order_by("position").values(*IMAGE_VALUE_COLUMNS)),
        related=list(RelatedStory.objects.filter(article_id=pk).order_by("position").values(*RELATED_VALUE_COLUMNS)),
    )
    return doc, fm.digest(doc, row["body"]), row["source_digest"]


from .documents import ARTICLE_COLUMNS, IMAGE_COLUMNS, RELATED_COLUMNS  # noqa: E402

ARTICLE_VALUE_COLUMNS = ARTICLE_COLUMNS + [
    "id", "path", "provider_name", "provider_images", "provider_authors", "provider_extra",
    "extra", "body", "source_text", "source_digest", "provider__domain",
]
IMAGE_VALUE_COLUMNS = ["article_id"] + IMAGE_COLUMNS
RELATED_VALUE_COLUMNS = ["article_id"] + RELATED_COLUMNS


def document_from_values(row, *, topics, images, related):
    """An article's document from ``.values()`` rows; topics as (label, topic name) pairs."""
    return article_document(
        row,
        domain=row["provider__domain"],
        topics=[label or name for label, name in topics],
        images=images,
        related=related,
    )


def link_related_stories():
    """Link related stories to the stored item with the same webUrl (else originalUrl)."""
    by_web = Article.objects.filter(web_url=OuterRef("web_url")).exclude(pk=OuterRef("article_id")).order_by("pk").values("pk")[:1]
    by_original = Article.objects.filter(original_url=OuterRef("web_url")).exclude(pk=OuterRef("article_id")).order_by("pk").values("pk")[:1]
    return RelatedStory.objects.filter(target__isnull=True, web_url__isnull=False).update(
        target=Coalesce(Subquery(by_web), Subquery(by_original))
    )


def import_paths(paths, *, root=None, dry_run=False, overwrite=False, jobs=1, by=None, progress=None) -> ImportResult:
    """Import files and folders of a front-matter site. See the module docstring."""
    try:
        with _gc_paused():
            return _import_paths(paths, root=root, dry_run=dry_run, overwrite=overwrite, jobs=jobs, by=by, progress=progress)
    finally:
        close_folders()


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while importing (only young objects now and then).

    Parsing allocates millions of short-lived containers; every automatic collection
    would also walk all that the run keeps (its results, the caches), which grows with
    the site. Reference counting frees nearly everything; the rest is collected after.
    Freezing what exists also keeps forked workers from copying those pages.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _skip_unchanged_by_stat(importer, entries):
    """Record as unchanged, without reading them, the items whose file stat() shows as
    the one last read (same size, times and inode: see file_signature()); the others
    are read (and their bytes compared)."""
    if not importer.known_stats:
        return entries
    rest = []
    for entry in entries:
        abs_path, rel, _kind = entry
        known = importer.known_stats.get(rel)
        if known is not None:
            try:
                if file_signature(os.lstat(abs_path)) == known:
                    importer.outcome(rel, "unchanged")
                    continue
            except OSError:
                pass  # read_one() reports it
        rest.append(entry)
    return rest


def _import_paths(paths, *, root, dry_run, overwrite, jobs, by, progress) -> ImportResult:
    started = time.monotonic()
    entries, skipped, refused = discover(paths, root)
    importer = Importer(dry_run=dry_run, overwrite=overwrite, by=by, progress=progress)
    importer.result.skipped.extend(skipped)
    for rel in skipped:
        if rel.startswith(DRAFTS + "/") and rel.lower().endswith(fm.CONTENT_SUFFIXES):
            importer.result.notices.append(f"{rel}: skipped: a draft ({DRAFTS}/ is never published)")
    if entries:
        importer.site_root = entries[0][0][: -len(entries[0][1]) - 1]
    for rel, message in refused:
        importer.outcome(rel, "failed", errors=[message])
    known = importer.known_shas()
    entries = _skip_unchanged_by_stat(importer, entries)
    if dry_run:
        _dry_run(importer, entries, known, jobs=jobs, progress=progress)
    else:
        with _search_indexes(importer, entries):
            _apply_entries(importer, entries, known, jobs=jobs, progress=progress)
            importer.finish()
    importer.result.seconds = time.monotonic() - started
    return importer.result


def _dry_run(importer, entries, known, *, jobs, progress):
    """The real run, in a transaction rolled back at its end: what the dry run reports,
    file by file, is what the run would do, whatever the database would refuse."""
    with transaction.atomic(using=_write_connection().alias):
        _apply_entries(importer, entries, known, jobs=jobs, progress=progress)
        importer.finish()
        transaction.set_rollback(True, using=_write_connection().alias)
    for outcome in importer.result.files:
        if outcome.status == "created":
            outcome.object_id = None  # rolled back: no such row


def _write_connection():
    return connections[router.db_for_write(Article)]


def _search_indexes(importer, entries):
    """The context of the import's writes: on PostgreSQL (outside a transaction), the
    search indexes an interrupted first import left unbuilt are built first, and a first
    import of many files builds them after its rows are in (see search_indexes.py)."""
    if importer.dry_run:
        return contextlib.nullcontext()
    connection = _write_connection()
    search_indexes.create_missing(connection)
    if importer.existing or len(entries) < BULK_LOAD_FILES:
        return contextlib.nullcontext()

    def report(names, seconds):
        importer.result.indexes_built = (names, seconds)

    return search_indexes.built_after(connection, report)


def _workers_write(importer) -> bool:
    """Whether --jobs workers insert new items themselves: on PostgreSQL (many writers
    at once), outside a transaction (theirs could not see it). SQLite takes one writer at
    a time: there, this process writes what the workers prepared."""
    connection = _write_connection()
    return not importer.dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block


def _apply_entries(importer, entries, known, *, jobs, progress):
    """Read, parse and apply the files: in ``jobs`` worker processes, or in this one."""
    total = len(entries)
    if jobs > 1 and total > 1:
        # Workers read, parse and prepare rows; forked, they start at once. On PostgreSQL
        # they also insert the new items, each on a connection of its own, once this
        # process has applied the topic and provider files (so that the workers start
        # with them). At most a few chunks are in flight, so memory stays flat however
        # slow the database is.
        writes = _workers_write(importer)
        done = 0
        if writes:
            importer.result.writer_processes = jobs
            first = [entry for entry in entries if entry[2] in SMALL_KINDS]
            entries = [entry for entry in entries if entry[2] not in SMALL_KINDS]
            _init_worker(known, importer.now)
            for done, entry in enumerate(first, 1):
                importer.handle(*read_one(entry))
            connections.close_all()  # the workers must not share this process's connection
        ctx = multiprocessing.get_context("fork")
        slots = threading.Semaphore(WINDOW * jobs)
        stopping = threading.Event()
        # A worker that writes commits a transaction per chunk: larger ones then.
        files, size = (WRITER_CHUNK_FILES, WRITER_CHUNK_FILES * 16 * 1024) if writes else (32, 512 * 1024)

        def tasks():  # runs in the pool's task thread
            for chunk in _chunks(entries, files=files, size=size):
                slots.acquire()
                if stopping.is_set():
                    return
                yield chunk

        initargs = (known, importer.now, writes, importer.by)
        with ctx.Pool(jobs, initializer=_init_pool_worker, initargs=initargs) as pool:
            try:
                for outcomes in pool.imap(read_chunk, tasks()):
                    slots.release()
                    for outcome in outcomes:
                        importer.handle(*outcome)
                    done += len(outcomes)
                    if progress:
                        progress(done, total)
                pool.close()  # the workers end on their own (and close their connections)
                pool.join()
            finally:  # never leave the task thread waiting for a slot
                stopping.set()
                for _ in range(WINDOW * jobs + 1):
                    slots.release()
    else:
        _init_worker(known, importer.now)
        done = 0
        # With a database server (another process) to wait for, the files ahead are
        # parsed meanwhile; SQLite works in this process, under the same GIL, and a
        # reader thread would only slow it down (measured: bench/README.md).
        if _write_connection().vendor != "sqlite":
            for outcomes in _read_ahead(entries):
                for outcome in outcomes:
                    importer.handle(*outcome)
                done += len(outcomes)
                if progress:
                    progress(done, total)
        else:
            for done, entry in enumerate(entries, 1):
                importer.handle(*read_one(entry))
                if progress:
                    progress(done, total)
