"""Create a desk account with a password of the operator's choosing (production too)."""
import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

GROUPS = ("Editor", "Contributor")


class Command(BaseCommand):
    help = (
        "Create a staff user in the Editor (may publish) or Contributor group. The password is "
        "asked for twice, or read from standard input with --password-stdin (for scripts); "
        "it must pass the site's password validators. Never prints it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--group", choices=GROUPS, default="Editor", help="Editor (default) or Contributor.")
        parser.add_argument("--email", default="", help="The user's e-mail address.")
        parser.add_argument("--password-stdin", action="store_true",
                            help="Read the password from the first line of standard input.")

    def handle(self, *args, username, group, email, password_stdin, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} exists: use `manage.py changepassword {username}` to change its password.")
        try:
            group_row = Group.objects.get(name=group)
        except Group.DoesNotExist as exc:
            raise CommandError(f"The {group} group does not exist: run migrate first.") from exc
        password = self.read_password(password_stdin)
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(group_row)
        self.stdout.write(self.style.SUCCESS(f"Created {username} in the {group} group. Log in at /admin/."))

    def read_password(self, from_stdin):
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            if not sys.stdin.isatty():
                raise CommandError("No terminal to ask for the password: use --password-stdin.")
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The passwords do not match.")
        if not password:
            raise CommandError("The password is empty.")
        return password
