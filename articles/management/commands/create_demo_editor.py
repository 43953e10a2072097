"""Create (or reset) the demo editor that ``make run`` prints, for a laptop only."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

USERNAME = "editor"
PASSWORD = "newsroom-editor"

REFUSAL = (
    "DEBUG is off: the demo editor's password is published, so it is never created outside "
    "a laptop (DJANGO_DEBUG=1). For a real account, run `manage.py create_editor NAME` "
    "(it asks for a password), or `manage.py createsuperuser` and add people in the desk's Users page."
)


class Command(BaseCommand):
    help = (
        "Create the demo editor (user 'editor', in the Editor group) and print its login. "
        "Idempotent. Laptop only: refused unless DJANGO_DEBUG=1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=USERNAME, help=f"User name (default {USERNAME}).")
        parser.add_argument("--password", default=PASSWORD, help="Password (default: the documented demo password).")

    def handle(self, *args, username, password, **options):
        # No override: a known password on a server reachable by others is a way in.
        if not settings.DEBUG:
            raise CommandError(REFUSAL)
        try:
            group = Group.objects.get(name="Editor")
        except Group.DoesNotExist as exc:
            raise CommandError("The Editor group does not exist: run migrate first.") from exc
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            user.is_staff, user.is_active = True, True
            user.set_password(password)
            user.save()
            user.groups.add(group)
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo editor. Log in at /admin/ as {username} / {password}"))
