"""Import and export from the admin, with the same importer and exporter as the commands.

Upload front-matter files or a .zip of a site -> a dry run shows, per file and
paginated, what would be created / updated / unchanged / in conflict / refused, with
field-level differences -> the editor confirms -> the same files are imported for real.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
import tempfile
import time
import unicodedata
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from .. import frontmatter as fm
from ..collections import COLLECTION_FOLDERS
from ..exporter import export_site
from ..importer import STATUSES, import_paths
from ..models import Article
from ..output import json_key, json_value

STAGING_TTL = 24 * 3600
def zip_limits() -> tuple[int, int]:
    """(largest expanded size in bytes, most entries) of an uploaded .zip."""
    conf = getattr(settings, "NEWSROOM", {})
    return int(conf.get("MAX_ZIP_BYTES", 200 * 1024 * 1024)), int(conf.get("MAX_ZIP_FILES", 20_000))
# What an upload may hold besides a .zip: the files the importer reads (the format's suffixes).
UPLOAD_SUFFIXES = fm.CONTENT_SUFFIXES + fm.DATA_SUFFIXES + (".zip",)


class UnsafeArchive(ValueError):
    """A zip refused before anything was written."""


def staging_root() -> Path:
    """Where uploads wait between the dry run and Apply: ``NEWSROOM["IMPORT_STAGING"]``,
    else a folder of this process's user in the system's temporary folder. Private
    (0700), and refused if it is a link or someone else's (a folder another local user
    made in /tmp first would let them read or swap the uploads)."""
    configured = getattr(settings, "NEWSROOM", {}).get("IMPORT_STAGING")
    root = Path(configured) if configured else Path(tempfile.gettempdir()) / f"newsroom-import-{os.getuid()}"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ImproperlyConfigured(f"{root}: the import staging folder is a link or belongs to another user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(root, 0o700)
    return root


def new_stage() -> Path:
    """A private folder (0700) for one upload, named by an unguessable token."""
    return Path(tempfile.mkdtemp(prefix=secrets.token_urlsafe(12) + "-", dir=staging_root()))


def clean_stale_stages(now=None):
    now = now or time.time()
    for stage in staging_root().iterdir():
        try:
            if now - stage.lstat().st_mtime > STAGING_TTL:
                shutil.rmtree(stage, ignore_errors=True)
        except OSError:
            continue


def tree_digest(folder: Path) -> str:
    """A digest of every file's path and bytes under ``folder`` (links not followed):
    Apply imports exactly the files the dry run read, or nothing."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if not p.is_symlink() and p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def safe_member_name(name: str) -> PurePosixPath:
    if not name or "\\" in name or name.startswith("/") or "\x00" in name:
        raise UnsafeArchive(f"{name!r}: absolute or unusual path")
    parts = name.rstrip("/").split("/")
    if ".." in parts or ":" in parts[0]:  # ".." or a drive ("C:/a.md")
        raise UnsafeArchive(f"{name}: path escapes the archive's root")
    if any(part in ("", ".") for part in parts):
        raise UnsafeArchive(f"{name}: not a plain path inside the archive")
    return PurePosixPath(name)


def extract_zip(fileobj, dest: Path, *, max_bytes=None, max_files=None) -> None:
    """Extract a site archive, refusing escaping paths, links and oversized content."""
    default_bytes, default_files = zip_limits()
    max_bytes = default_bytes if max_bytes is None else max_bytes
    max_files = default_files if max_files is None else max_files
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeArchive(f"not a zip archive ({exc})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > max_files:
            raise UnsafeArchive(f"{len(members)} entries, more than {max_files}")
        declared, seen = 0, set()
        for info in members:
            safe_member_name(info.filename)
            # Names differing only in case or Unicode normalization are one file on the
            # file systems sites are checked out on (macOS, Windows): refused, not two items.
            key = unicodedata.normalize("NFC", info.filename.rstrip("/")).casefold()
            if key in seen:
                raise UnsafeArchive(f"{info.filename}: the archive holds this path twice "
                                    f"(names differing only in case or Unicode normalization)")
            seen.add(key)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchive(f"{info.filename}: links are not accepted")
            declared += info.file_size
            if declared > max_bytes:
                raise UnsafeArchive(f"expands to more than {max_bytes // (1024 * 1024)} MB")
        dest = dest.resolve()
        written = 0
        for info in members:
            target = (dest / safe_member_name(info.filename)).resolve()
            if dest not in target.parents and target != dest:
                raise UnsafeArchive(f"{info.filename}: path escapes the archive's root")
            if target.exists() and not (info.is_dir() and target.is_dir()):
                raise UnsafeArchive(f"{info.filename}: the archive holds this path twice")
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "xb") as out:
                    while chunk := source.read(1 << 16):
                        written += len(chunk)  # the real size, whatever the header claims
                        if written > max_bytes:
                            raise UnsafeArchive(f"expands to more than {max_bytes // (1024 * 1024)} MB")
                        out.write(chunk)
            except OSError as exc:  # a file and a folder of the same name, a name too long...
                raise UnsafeArchive(f"{info.filename}: cannot be written ({exc.strerror or exc})") from exc
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error) as exc:
                # bad CRC, encrypted member, unsupported compression, truncated data
                raise UnsafeArchive(f"{info.filename}: unreadable ({exc})") from exc


def site_root(folder: Path) -> Path:
    """Where the site starts in an extracted upload: the shallowest ``_config.yml``, else a
    single top folder, else the folder itself."""
    configs = sorted(folder.rglob("_config.yml"), key=lambda p: (len(p.parts), str(p)))
    if configs:
        return configs[0].parent
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].name.startswith("_"):
        return entries[0]
    return folder


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="Files", help_text="Front-matter files (.md, .html, .txt, .yaml...) or one .zip of a site.",
    )
    folder = forms.ChoiceField(
        label="Collection of loose files", initial="_news",
        choices=[(folder, f"{folder}/ ({name})") for name, folder in COLLECTION_FOLDERS.items()]
        + [("_data/organizations", "_data/organizations/ (providers)"), ("_data/topics", "_data/topics/ (topics)")],
        help_text="Where single files go in the site (a .zip keeps its own folders).",
    )
    overwrite = forms.BooleanField(
        required=False, label="Take the file's version when an item was also edited here (conflicts)",
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError("Choose at least one file.")
        zips = [f for f in files if f.name.lower().endswith(".zip")]
        if zips and len(files) > 1:
            raise forms.ValidationError("Upload either one .zip or front-matter files, not both.")
        for f in files:
            if not f.name.lower().endswith(UPLOAD_SUFFIXES):
                raise forms.ValidationError(f"{f.name}: not a front-matter file or a .zip.")
        return files


def _stage_dir(request, token: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum() or request.session.get(f"newsroom-import:{token}") != request.user.pk:
        raise Http404("No such import.")
    stage = staging_root() / token
    if not stage.is_dir():
        raise Http404("This import has expired; upload the files again.")
    return stage


def _result_rows(result) -> list[dict]:
    return [
        {"path": f.path, "status": f.status, "kind": f.kind, "errors": f.errors,
         "changes": {json_key(k): json_value(list(v)) for k, v in (f.changes or {}).items()}}
        for f in result.files
    ]


def _save(stage: Path, name: str, result) -> None:
    data = {"counts": result.counts, "summary": result.summary(), "files": _result_rows(result),
            "skipped": result.skipped[:1000], "notices": result.notices[:1000]}
    (stage / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


class ImportExportViews:
    """Mixed into ArticleAdmin: the import pages and the export action."""

    import_template = "admin/articles/article/import.html"

    def has_import_permission(self, request):
        return request.user.has_perm("articles.add_article") and request.user.has_perm("articles.change_article")

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if not request.user.has_perm("articles.publish_article"):
            del form.fields["overwrite"]  # an editor's right: it discards edits made here
        if request.method == "POST" and form.is_valid():
            clean_stale_stages()
            stage = new_stage()
            try:
                root = self._stage_upload(form, stage / "site")
                meta = {"root": str(root.relative_to(stage)), "overwrite": form.cleaned_data.get("overwrite", False),
                        "user": request.user.pk, "names": [f.name for f in form.cleaned_data["files"]][:20],
                        "at": timezone.now().isoformat(), "digest": tree_digest(stage / "site")}
                (stage / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
                result = import_paths([root], root=root, dry_run=True, overwrite=meta["overwrite"], by=request.user)
                _save(stage, "dry_run.json", result)
            except UnsafeArchive as exc:
                shutil.rmtree(stage, ignore_errors=True)
                form.add_error("files", f"Refused: {exc}. Nothing was imported.")
            except BaseException:
                shutil.rmtree(stage, ignore_errors=True)
                raise
            else:
                request.session[f"newsroom-import:{stage.name}"] = request.user.pk
                return HttpResponseRedirect(reverse("admin:articles_article_import_review", args=[stage.name]))
        context = {**self.admin_site.each_context(request), "title": "Import front-matter files", "opts": self.opts,
                   "form": form, "max_zip_mb": zip_limits()[0] // (1024 * 1024)}
        return TemplateResponse(request, self.import_template, context)

    @staticmethod
    def _stage_upload(form, site: Path) -> Path:
        """Write the upload under ``site``; the site's root. ``UnsafeArchive`` for what
        cannot be staged as it is."""
        site.mkdir()
        files = form.cleaned_data["files"]
        if files[0].name.lower().endswith(".zip"):
            extract_zip(files[0], site)
            return site_root(site)
        (site / "_config.yml").write_text("# uploaded through the admin\n", encoding="utf-8")
        folder = site / form.cleaned_data["folder"]
        folder.mkdir(parents=True, exist_ok=True)
        for upload in files:
            name = os.path.basename(upload.name.replace("\\", "/")).lstrip(".") or "upload.md"
            try:
                with open(folder / name, "xb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
            except FileExistsError as exc:
                raise UnsafeArchive(f"{name}: uploaded twice") from exc
            except OSError as exc:
                raise UnsafeArchive(f"{name}: cannot be stored ({exc.strerror or exc})") from exc
        return site

    def import_review_view(self, request, token):
        if not self.has_import_permission(request):
            raise PermissionDenied
        stage = _stage_dir(request, token)
        meta = json.loads((stage / "meta.json").read_text(encoding="utf-8"))
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            if (stage / "applied.json").exists():
                messages.warning(request, "These files were already imported.")
            elif not (stage / "site").is_dir() or tree_digest(stage / "site") != meta.get("digest"):
                shutil.rmtree(stage / "site", ignore_errors=True)
                messages.error(request, "The staged files are not the ones the dry run read; nothing was imported. "
                                        "Upload them again.")
            else:
                root = stage / meta["root"]
                try:
                    result = import_paths([root], root=root, overwrite=meta["overwrite"], by=request.user)
                    _save(stage, "applied.json", result)
                finally:
                    shutil.rmtree(stage / "site", ignore_errors=True)  # only the report is kept
                level = messages.SUCCESS if result.ok else messages.WARNING
                messages.add_message(request, level, f"Imported: {result.summary()}")
            return HttpResponseRedirect(reverse("admin:articles_article_import_review", args=[token]))
        applied = (stage / "applied.json").exists()
        data = json.loads((stage / ("applied.json" if applied else "dry_run.json")).read_text(encoding="utf-8"))
        status = request.GET.get("status")
        rows = [row for row in data["files"] if not status or row["status"] == status]
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "token": token, "applied": applied,
            "title": "Import: what happened" if applied else "Import: check before applying (dry run)",
            "counts": data["counts"], "summary": data["summary"], "page": page, "status": status,
            "statuses": STATUSES, "meta": meta, "skipped": data.get("skipped", []), "notices": data.get("notices", []),
            "can_apply": not applied and data["counts"]["created"] + data["counts"]["updated"] > 0,
        }
        return TemplateResponse(request, "admin/articles/article/import_review.html", context)

    def export_zip(self, request, queryset):
        """Export the selected (or, with "select all", the filtered) items as a .zip site."""
        work = Path(tempfile.mkdtemp(prefix="newsroom-export-"))
        try:
            site = work / "site"
            result = export_site(site, articles=Article.objects.filter(pk__in=queryset.values("pk")))
            if result.errors:
                for error in result.errors[:10]:
                    self.message_user(request, error, messages.ERROR)
            archive = tempfile.TemporaryFile()
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(site.rglob("*")):
                    if path.is_file():
                        zf.write(path, path.relative_to(site).as_posix())
            archive.seek(0)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        name = f"newsroom-export-{timezone.now():%Y%m%d-%H%M%S}.zip"
        return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
