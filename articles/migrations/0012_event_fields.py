"""Events (``_events/``): when they start and end, as typed and indexed columns.

The indexes are partial (only rows that have a date): the items of the other
collections, nearly all of them, cost them nothing when an import inserts them.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0011_declared_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="starts_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="starts"),
        ),
        migrations.AddField(
            model_name="article",
            name="ends_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ends"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(condition=models.Q(("starts_at__isnull", False)), fields=["starts_at"], name="article_event_start"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(condition=models.Q(("ends_at__isnull", False)), fields=["ends_at"], name="article_event_end"),
        ),
    ]
