"""Publish the items whose scheduled time has come (run it from cron, e.g. every minute)."""
from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.editorial.actions import publish_due


class Command(BaseCommand):
    help = "Publish the scheduled items that are due. Safe to run often; does nothing when nothing is due."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what is due without publishing it.")

    def handle(self, *args, dry_run, **options):
        due = publish_due(now=timezone.now(), dry_run=dry_run)
        for schedule in due:
            if options["verbosity"] >= 2 or dry_run:
                when = timezone.localtime(schedule.publish_at).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(f"{'would publish' if dry_run else 'published'} {schedule.article.path} (due {when})")
        verb = "due" if dry_run else "published"
        self.stdout.write(f"{verb} {len(due)} item{'s' if len(due) != 1 else ''}")
