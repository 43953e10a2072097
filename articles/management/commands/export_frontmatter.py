import datetime as dt
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from articles.exporter import export_site
from articles.models import Provider, Topic
from django.db.models import Q


class Command(BaseCommand):
    # Django's system checks (admin, URLs, templates) say nothing about moving files in
    # or out, and would cost every run a third of a second.
    requires_system_checks = []
    help = (
        "Export items (with providers and topics) as a front-matter site under OUTDIR. "
        "Unchanged items are written byte for byte as imported; edited ones change only "
        "the lines of the fields that changed; files whose content would not change are "
        "not rewritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", metavar="OUTDIR", help="Folder to write the site into (created if missing).")
        parser.add_argument("--published-only", action="store_true", help="Only items readers may see.")
        parser.add_argument("--since", metavar="DATE", help="Only items published or changed since DATE (YYYY-MM-DD or ISO 8601).")
        parser.add_argument("--collection", metavar="NAME", help="Only this collection (news, learning, samples, ...).")
        parser.add_argument("--topic", metavar="ID", help="Only items of this topic (by _id) or its subtopics.")
        parser.add_argument("--provider", metavar="DOMAIN", help="Only items of this provider.")
        parser.add_argument(
            "--jobs", type=int, default=1, metavar="N",
            help="Read, render and write items in N processes (default 1; the number of cores is a good choice for a large site).",
        )

    def handle(self, *args, outdir, published_only, since, collection, topic, provider, jobs, verbosity, **options):
        since_value = None
        if since:
            try:  # (Django's parsers raise ValueError for a well-formed impossible date: 2024-02-30)
                since_value = parse_datetime(since) or (
                    dt.datetime.combine(parse_date(since), dt.time(), tzinfo=dt.timezone.utc) if parse_date(since) else None
                )
            except ValueError:
                since_value = None
            if since_value is None:
                raise CommandError(f"--since {since!r}: expected a date (YYYY-MM-DD) or an ISO 8601 date and time", returncode=2)
            if since_value.tzinfo is None:
                since_value = since_value.replace(tzinfo=dt.timezone.utc)
        topic_obj = provider_obj = None
        if topic:
            topic_obj = Topic.objects.filter(topic_id=topic).first()
            if topic_obj is None:
                raise CommandError(f"--topic {topic!r}: no such topic", returncode=2)
        if provider:
            provider_obj = Provider.objects.filter(Q(domain=provider) | Q(aliases__contains=f'"{provider}"')).first()
            if provider_obj is None:
                raise CommandError(f"--provider {provider!r}: no such provider", returncode=2)
        if jobs < 1:
            raise CommandError(f"--jobs {jobs}: expected a number of processes, 1 or more", returncode=2)
        if os.path.exists(outdir) and not os.path.isdir(outdir):
            raise CommandError(f"{outdir}: exists and is not a folder", returncode=2)
        result = export_site(
            outdir, published_only=published_only, since=since_value, collection=collection,
            topic=topic_obj, provider=provider_obj, jobs=jobs,
        )
        for error in result.errors:
            self.stderr.write(self.style.ERROR(error))
        if verbosity >= 2:
            for rel in result.written:
                self.stdout.write(f"written: {rel}")
            self.stdout.write(f"items read, rendered and written by {result.processes} process(es)")
        summary = result.summary()
        self.stdout.write(self.style.SUCCESS(summary) if result.ok else self.style.ERROR(summary))
        if not result.ok:
            raise CommandError(f"{result.failed} files could not be written", returncode=1)
