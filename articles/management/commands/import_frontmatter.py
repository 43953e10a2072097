import os

from django.core.management.base import BaseCommand, CommandError

from articles.importer import ImportUsageError, import_paths


class Command(BaseCommand):
    # Django's system checks (admin, URLs, templates) say nothing about moving files in
    # or out, and would cost every run a third of a second.
    requires_system_checks = []
    help = (
        "Import a front-matter site (or some of its files): content items, providers "
        "(_data/organizations) and topics (_data/topics). Each file is applied atomically; "
        "unchanged files are detected by their hash and not rewritten."
    )
    missing_args_message = "give at least one file or folder to import"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders (walked recursively).")
        parser.add_argument(
            "--root",
            help="The site root paths are taken relative to (default: the nearest ancestor "
            "holding _config.yml, else the folder given, or a file's folder).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and compare everything; write nothing.")
        parser.add_argument("--jobs", type=int, default=1, metavar="N", help="Parse in N processes (default 1); on PostgreSQL they insert the new items too.")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Take the file's version of items edited in Newsroom since their last import "
            "(without it such conflicts are reported and nothing is overwritten).",
        )

    def handle(self, *args, paths, root, dry_run, jobs, overwrite, verbosity, **options):
        if jobs < 1:
            raise CommandError("--jobs must be at least 1", returncode=2)
        if root and not os.path.isdir(root):
            raise CommandError(f"--root {root}: no such folder", returncode=2)
        progress = self._progress_bar() if self._interactive() and verbosity >= 1 else None
        try:
            result = import_paths(paths, root=root, dry_run=dry_run, overwrite=overwrite, jobs=jobs, progress=progress)
        except ImportUsageError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if progress:
            self.stderr.write("")
        for outcome in result.files:
            for error in outcome.errors:
                self.stderr.write(self.style.ERROR(error) if outcome.status == "failed" else self.style.WARNING(error))
            if outcome.traceback:
                if verbosity >= 3:
                    self.stderr.write(outcome.traceback.rstrip())
                else:
                    self.stderr.write("    (run with -v 3 to see the traceback of this unexpected error)")
            if verbosity >= 2:
                for warning in outcome.warnings:
                    self.stderr.write(self.style.WARNING(f"note: {warning}"))
            if verbosity >= 2 and outcome.status != "unchanged":
                self.stdout.write(f"{outcome.status}: {outcome.path}")
                for key, (old, new) in outcome.changes.items():
                    self.stdout.write(f"    {key if isinstance(key, str) and key.isprintable() else repr(key)}: {_short(old)} -> {_short(new)}")
        # Files of collection folders that hold no item: usually an accident, so named.
        for notice in result.notices:
            if verbosity >= 1:
                self.stderr.write(self.style.WARNING(notice))
        if result.skipped and verbosity >= 1:
            self.stdout.write(f"skipped {len(result.skipped)} files (api/ output or not content)")
            if verbosity >= 2:
                for rel in result.skipped:
                    self.stdout.write(f"    skipped: {rel}")
        if result.indexes_built and result.indexes_built[0] and verbosity >= 2:
            names, seconds = result.indexes_built
            self.stdout.write(f"search indexes built after the rows in {seconds:.1f} s: {', '.join(names)}")
        summary = result.summary() + (" [dry run: nothing written]" if dry_run else "")
        self.stdout.write(self.style.SUCCESS(summary) if result.ok else self.style.ERROR(summary))
        if not result.ok:
            counts = result.counts
            raise CommandError(f"{counts['failed']} failed, {counts['conflict']} in conflict", returncode=1)

    def _interactive(self):
        return self.stdout.isatty() and os.environ.get("CI", "").lower() not in {"1", "true", "yes"}

    def _progress_bar(self):
        stream = self.stderr._out

        def progress(done, total):
            if done == total or done % 200 == 0:
                width = 30
                filled = int(width * done / max(total, 1))
                stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
                stream.flush()

        return progress


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
