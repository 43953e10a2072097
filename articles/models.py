"""Newsroom's content model.

Every known key of the front-matter format (see ``articles/frontmatter.py``, the one
table that maps the format's camelCase keys to these snake_case fields) is a typed
column; every other key is kept, with its value, in ``extra``. The file an item was
imported from is kept verbatim (``source_text``) with two fingerprints: ``source_sha``
of its bytes (cheap "file unchanged?" test on re-import) and ``source_digest`` of the
data it held (the exporter compares it with the current state to know whether the
stored item changed since, however it was changed).
"""
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OrderBy, Q
from django.urls import reverse
from django.utils import timezone

from .documents import from_json, to_json
from .frontmatter import MAX_URL_BYTES, url_problem

MAX_URL_LENGTH = MAX_URL_BYTES
# The permission every editorial decision needs (declared in ``Article.Meta``); the one
# spelling of it that the actions, the admin and the importer use.
PUBLISH_PERMISSION = "articles.publish_article"


def validate_item_url(value):
    """Any URL but a dangerous one: the rule of the files (``frontmatter.url_problem``),
    so that what imports can be saved and what an editor types could be imported."""
    if value is None or value == "":
        return
    problem = url_problem(value)
    if problem:
        raise ValidationError(problem[0].upper() + problem[1:] + ".")


class OrderedJSONField(models.TextField):
    """JSON kept as text, so that key order survives on every database.

    PostgreSQL's jsonb reorders object keys; the keys of a front-matter mapping are
    written back in the order the file had them, so we store the JSON text ourselves.
    Values JSON cannot hold (dates, timestamps, NaN, keys that are not strings) are
    stored as tagged objects and read back as they were (``documents.to_json``).
    """

    description = "JSON (key order preserved)"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if value == "{}":  # most "extra" values: no need for the JSON decoder
            return {}
        if value == "[]":
            return []
        return from_json(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        try:
            return from_json(value)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError(f"Enter valid JSON: {exc}") from exc

    def get_prep_value(self, value):
        if value is None:
            return None
        return to_json(value)

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return super(models.TextField, self).formfield(**{
            "form_class": TaggedJSONFormField, "required": not self.blank, **kwargs,
        })


class TaggedJSONFormField(forms.JSONField):
    """Edits an OrderedJSONField as the JSON it stores (tags included), so that what an
    editor saves unchanged is read back unchanged."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return to_json(value) if value is not None else "null"

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, (list, dict, int, float, forms.fields.JSONString)):
            return value
        try:
            return from_json(value)
        except (ValueError, KeyError, TypeError):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return from_json(data)
        except (ValueError, KeyError, TypeError):
            return forms.fields.InvalidJSONInput(data)

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            value = self.to_python(data)
        except ValidationError:
            return True
        return (None if initial is None else to_json(initial)) != (None if value is None else to_json(value))


class SourceRecord(models.Model):
    """What every record read from a file keeps of that file."""

    path = models.CharField(
        max_length=500,
        unique=True,
        null=True,
        blank=True,
        help_text="Path of the file relative to the site root; the record's identity.",
    )
    extra = OrderedJSONField(
        default=dict,
        blank=True,
        help_text="Keys of the file that Newsroom has no column for, in file order.",
    )
    body = models.TextField(blank=True, default="", help_text="Text after the front matter, kept exactly.")
    source_text = models.TextField(blank=True, default="", editable=False)
    source_sha = models.CharField(max_length=64, blank=True, default="", editable=False)
    source_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def validate_host(value):
    """A domain name as hosts are named: Django's rules (IDN included), with underscores
    wherever a letter may be (``my_host.example.com``: real DNS names have them)."""
    validators.DomainNameValidator(accept_idna=True)(value.replace("_", "a"))


class Provider(SourceRecord):
    """An outlet items come from, identified by its domain."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        validators=[validate_host],
    )
    name = models.CharField(max_length=300, blank=True, default="")
    images = OrderedJSONField(null=True, blank=True, help_text="Logo renditions: url, width, height.")
    authors = OrderedJSONField(null=True, blank=True)
    aliases = OrderedJSONField(
        default=list,
        blank=True,
        help_text="Other domains that map to this provider (kept when providers are merged).",
    )

    class Meta:
        ordering = ["name", "domain"]

    def __str__(self):
        return self.name or self.domain

    def get_absolute_url(self):
        return reverse("articles:provider", args=[self.domain])


class Topic(SourceRecord):
    """A node of the topic tree, identified by ``_id`` (else the slug of its name)."""

    topic_id = models.SlugField(max_length=100, unique=True, verbose_name="ID")
    name = models.CharField(max_length=200, db_index=True)
    shortname = models.CharField(max_length=200, null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    parent_ref = models.CharField(max_length=200, null=True, blank=True, editable=False)
    keywords = OrderedJSONField(null=True, blank=True)
    hashtags = OrderedJSONField(null=True, blank=True)
    services = OrderedJSONField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", args=[self.topic_id])

    def clean(self):
        super().clean()
        if self.parent_id is not None and self.pk is not None and self.parent_id in self.descendant_ids():
            # A loop of parents would take its topics out of the tree (no root above them).
            raise ValidationError({"parent": "A topic cannot be its own parent, nor below one of its own subtopics."})

    def descendant_ids(self):
        """This topic's id and those of all topics below it (one query a level)."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(Topic.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True))
            ids.extend(frontier)
        return ids


# Items readers may see: decided published, or never decided (no key). The public
# lists' partial indexes have this very condition: a planner uses a partial index only
# for a query that says what its WHERE says.
PUBLIC = Q(published=True) | Q(published__isnull=True)
# Items awaiting a decision (the review queue): not public, never decided.
AWAITING = Q(published=False, decided_at__isnull=True)
# The public lists' order: newest first, items without a date last on every database.
NEWEST = F("published_at").desc(nulls_last=True)


class NullsLastIndex(models.Index):
    """An index for an ``ORDER BY x DESC NULLS LAST``, on PostgreSQL and SQLite alike.

    The lists put items without a date or a score last on every database, so they order
    by ``F(x).desc(nulls_last=True)``. PostgreSQL reads that order off an index only if
    the index says ``DESC NULLS LAST`` too (its ``DESC`` puts NULLs first). SQLite
    refuses ``NULLS LAST`` in an index, but its ``DESC`` already puts NULLs last (and
    its ``ASC`` first): there the modifier is left out, which is the same order.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        index = self.clone()
        index.expressions = tuple(_sqlite_default_nulls(e, self.name) for e in self.expressions)
        return models.Index.create_sql(index, model, schema_editor, using=using, **kwargs)


def _sqlite_default_nulls(expression, name):
    if not isinstance(expression, OrderBy) or not (expression.nulls_last or expression.nulls_first):
        return expression
    if bool(expression.nulls_last) != expression.descending:
        raise ValueError(f"{name}: SQLite indexes can only put NULLs first ascending and last descending.")
    return OrderBy(expression.expression, descending=expression.descending)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Items readers may see: decided published, or never decided (no key)."""
        return self.filter(PUBLIC)

    def drafts(self):
        return self.filter(published=False)

    def in_collection(self, collection):
        return self.filter(collection=collection)


class Article(SourceRecord):
    """A content item of any collection (news, learning, samples, ...)."""

    path = models.CharField(
        max_length=500,
        unique=True,
        help_text="Path of the file relative to the site root, e.g. _news/2024-04-11-slug.md.",
    )
    # (size, mtime, ctime, inode of the file when it was read, and the SHA-256 of the bytes
    # read): a re-import finds a file unchanged from one stat() while these match.
    source_stat = models.CharField(max_length=200, blank=True, default="", editable=False)
    # Indexed by article_coll_date (collection first); see Meta.indexes.
    collection = models.CharField(max_length=100, blank=True, default="")
    category = models.CharField(max_length=100, null=True, blank=True)
    title = models.TextField(null=True, blank=True)
    name = models.CharField(max_length=300, null=True, blank=True, help_text="Name (people, communities).")
    excerpt = models.TextField(null=True, blank=True)
    published_at = models.DateTimeField("published date", null=True, blank=True, db_index=True)
    source_updated_at = models.DateTimeField("updated date", null=True, blank=True)
    # Events (startDateTime, endDateTime); indexed by article_event_start/_end.
    starts_at = models.DateTimeField("starts", null=True, blank=True)
    ends_at = models.DateTimeField("ends", null=True, blank=True)
    original_url = models.CharField(
        max_length=MAX_URL_LENGTH, null=True, blank=True, validators=[validate_item_url]
    )
    web_url = models.CharField(
        max_length=MAX_URL_LENGTH, null=True, blank=True, validators=[validate_item_url]
    )
    amp_web_url = models.CharField(max_length=MAX_URL_LENGTH, null=True, blank=True, validators=[validate_item_url])
    cdn_amp_web_url = models.CharField(max_length=MAX_URL_LENGTH, null=True, blank=True, validators=[validate_item_url])
    type = models.CharField(max_length=50, null=True, blank=True)
    quality = models.IntegerField(null=True, blank=True)  # indexed by article_best_first
    heat = models.IntegerField(null=True, blank=True, db_index=True, help_text="-1 means unknown.")
    published = models.BooleanField(
        null=True,
        default=False,
        db_index=True,
        help_text=(
            "The editorial decision. Empty: the file never said (the item is public and "
            "exports without a 'published' key)."
        ),
    )
    featured_content = models.TextField(null=True, blank=True, help_text="HTML embed, sanitized before display.")
    secured = models.TextField(null=True, blank=True, editable=False, help_text="Opaque payload, kept exactly.")

    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    provider_name = models.CharField(
        max_length=300, null=True, blank=True, help_text="The provider's name as this item gives it."
    )
    provider_images = OrderedJSONField(null=True, blank=True)
    provider_authors = OrderedJSONField(null=True, blank=True)
    provider_extra = OrderedJSONField(null=True, blank=True)

    topics = models.ManyToManyField(Topic, through="ArticleTopic", related_name="articles", blank=True)

    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False, db_index=False,  # indexed by article_decided
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("publish_article", "Can publish, reject and unpublish articles")]
        # Every index a hot query needs is declared here, so that migrations keep it
        # (SQLite rebuilds a table for many schema changes and recreates only the
        # indexes of the model state). ``tests/test_query_plans.py`` checks that the
        # hot queries are read from them. PostgreSQL's trigram search indexes are not
        # here: see ``articles/search_indexes.py``.
        indexes = [
            # The content stamp behind every public ETag: MAX(modified_at), one probe.
            models.Index(fields=["modified_at"], name="article_modified"),
            # The public lists, newest (or hottest) first, a page at a time: published
            # items only (the condition is PUBLIC, as ``published()`` writes it), in the
            # lists' order (``public.selectors.ORDERINGS``), ``path`` breaking ties.
            NullsLastIndex(NEWEST, "path", name="article_public_date", condition=PUBLIC),
            NullsLastIndex("collection", NEWEST, "path", name="article_public_coll_date", condition=PUBLIC),
            NullsLastIndex(
                "collection", F("heat").desc(nulls_last=True), "path", name="article_public_coll_heat",
                condition=PUBLIC,
            ),
            NullsLastIndex("provider", NEWEST, "path", name="article_public_provider_date", condition=PUBLIC),
            # Every item by collection (the desk's collection filter reads the distinct
            # values off it), newest first.
            models.Index(fields=["collection", "-published_at"], name="article_coll_date"),
            models.Index(fields=["-quality", "-heat", "-published_at"], name="article_best_first"),
            # The review queue: items awaiting a decision, best first, unscored last.
            NullsLastIndex(
                F("quality").desc(nulls_last=True), F("heat").desc(nulls_last=True), NEWEST, F("id").desc(),
                name="article_queue", condition=AWAITING,
            ),
            # Items an editor decided (the "decided by" filter; deleting a user sets
            # theirs to NULL). Partial: most items were never decided by anyone, and a
            # full index on (NULL, NULL) rows would be a planner's trap: SQLite's
            # statistics, averages per key, take ``decided_at IS NULL`` for a rare value
            # and read the review queue through this index, then sort it.
            models.Index(
                fields=["decided_by", "-decided_at"], name="article_decided", condition=Q(decided_by__isnull=False),
            ),
            # Plain indexes, declared here rather than with db_index=True so that
            # PostgreSQL does not add a second, varchar_pattern_ops one (for LIKE 'x%',
            # which nothing runs): every index slows every insert of an import.
            models.Index(fields=["web_url"], name="article_web_url"),
            models.Index(fields=["original_url"], name="article_original_url"),
            models.Index(fields=["type"], name="article_type"),
            # The desk: awaiting review by collection (and the queue's count), and
            # per-provider figures, read from the indexes alone. The queue's columns are
            # in article_queue_coll because SQLite reads a column of a partial index's
            # condition from the table unless the index holds it.
            models.Index(fields=["collection", "published", "decided_at"], name="article_queue_coll", condition=AWAITING),
            models.Index(fields=["provider", "published", "quality", "published_at"], name="article_provider_stats"),
            # Events, upcoming and past. Partial: the items that are not events (nearly
            # all) cost these indexes nothing when they are inserted.
            models.Index(fields=["starts_at"], name="article_event_start", condition=Q(starts_at__isnull=False)),
            models.Index(fields=["ends_at"], name="article_event_end", condition=Q(ends_at__isnull=False)),
        ]

    def __str__(self):
        return self.display_title

    def clean(self):
        """An item's path must be one an import of the exported site reads back as this
        item (an empty one is filled in by the desk from the collection and title)."""
        from .importer import item_path_problem  # the importer's rule, which needs the models

        super().clean()
        if self.path and (problem := item_path_problem(self.path)):
            raise ValidationError({"path": f"{problem}."})

    @property
    def display_title(self):
        return self.title or self.name or self.path

    @property
    def is_published(self):
        return self.published is not False

    @property
    def url(self):
        """Where readers go: webUrl, else the source."""
        return self.web_url or self.original_url

    def get_absolute_url(self):
        return reverse("articles:article", args=[self.pk])

    @property
    def ends_on(self):
        """The day the event ends, when its end is a day alone (``endDateTime:
        2026-05-01``, stored as the end of that day), else None."""
        from .documents import as_day_end

        day = as_day_end(self.ends_at)
        return day if day is not self.ends_at else None

    @property
    def provider_logos(self):
        """The item's own logo renditions, else its provider's: computed here because a
        template filter argument such as ``default:article.provider.images`` raises
        (a 500) when the item has no provider row (a provider without a domain)."""
        if self.provider_images:
            return self.provider_images
        return self.provider.images if self.provider_id else None

    @property
    def awaiting_decision(self):
        return self.published is False and self.decided_at is None


class ArticleTopic(models.Model):
    # db_index=False: the (article, position) index below serves article_id lookups.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="topic_links", db_index=False)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="article_links")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(
        max_length=200, blank=True, default="", help_text="The topic as the file wrote it, if not its name."
    )

    class Meta:
        ordering = ["article", "position"]
        indexes = [
            models.Index(fields=["article", "position"], name="topic_article_pos"),
            # The topic filter: an EXISTS probe per listed item, answered from the index.
            models.Index(fields=["article", "topic"], name="articletopic_article_topic"),
        ]

    def __str__(self):
        return self.label or self.topic.name


class ArticleImage(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images", db_index=False)
    position = models.PositiveIntegerField(default=0)
    url = models.CharField(max_length=MAX_URL_LENGTH, validators=[validate_item_url])
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    is_cached = models.BooleanField(null=True, blank=True)
    title = models.TextField(null=True, blank=True)
    extra = OrderedJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["article", "position"]
        indexes = [models.Index(fields=["article", "position"], name="image_article_pos")]

    def __str__(self):
        return self.url


class RelatedStory(models.Model):
    """A story from another outlet about the same news, as the item's file gave it.

    ``target`` links it to the stored item with the same webUrl or originalUrl when there
    is one.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_stories", db_index=False)
    position = models.PositiveIntegerField(default=0)
    title = models.TextField(null=True, blank=True)
    excerpt = models.TextField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    web_url = models.CharField(
        max_length=MAX_URL_LENGTH, null=True, blank=True, validators=[validate_item_url]
    )
    type = models.CharField(max_length=50, null=True, blank=True)
    provider_name = models.CharField(max_length=300, null=True, blank=True)
    provider_domain = models.CharField(max_length=253, null=True, blank=True)
    provider_extra = OrderedJSONField(null=True, blank=True)
    quality = models.IntegerField(null=True, blank=True)
    images = OrderedJSONField(null=True, blank=True)
    extra = OrderedJSONField(default=dict, blank=True)
    target = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )

    class Meta:
        ordering = ["article", "position"]
        verbose_name_plural = "related stories"
        indexes = [models.Index(fields=["article", "position"], name="related_article_pos")]

    def __str__(self):
        return self.title or self.web_url or "related story"


class Decision(models.Model):
    """An editorial decision on an item: who, when, what, and why."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "Published"
        REJECT = "reject", "Rejected"
        UNPUBLISH = "unpublish", "Unpublished"
        SCHEDULE = "schedule", "Scheduled"
        QUEUE = "queue", "Queued for review"

    class Source(models.TextChoices):
        EDITOR = "editor", "Editor"
        RULE = "rule", "Triage rule"
        SCHEDULE = "schedule", "Schedule"
        COMMAND = "command", "Command"
        UNDO = "undo", "Undo"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=20, choices=Action.choices)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.EDITOR)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True, default="")
    # What the item was before this decision ({"state": "published" | "awaiting" |
    # "rejected" | "unpublished" | "scheduled", "publish_at": ISO 8601 or null}): what an
    # undo restores, through the action of that state.
    previous = models.JSONField(null=True, blank=True, editable=False)
    undoes = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undone_by",
                               editable=False, help_text="The decision this one undid.")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.article_id} at {self.at:%Y-%m-%d %H:%M}"


class ReviewItem(Article):
    """The review queue: the same items, seen as editors triage them."""

    class Meta:
        proxy = True
        # Django counts with these: "0 items awaiting review", "Select all 245 items
        # awaiting review", "1 item awaiting review"; the list's title is "Review queue".
        verbose_name = "item awaiting review"
        verbose_name_plural = "items awaiting review"


class TriageRuleQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class TriageRule(models.Model):
    """Decide newly imported items by their quality: publish at or above the threshold,
    queue for review below. The most specific enabled rule applies (provider, then
    topic, then collection, then a rule for everything)."""

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=False, help_text="Rules are off until an editor turns them on.")
    threshold = models.IntegerField(help_text="Items with quality at or above this are published; below, queued.")
    collection = models.CharField(max_length=100, blank=True, default="", help_text="Empty: any collection.")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="triage_rules")
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="triage_rules")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = TriageRuleQuerySet.as_manager()

    class Meta:
        ordering = ["-enabled", "name"]

    def __str__(self):
        return self.name

    @property
    def specificity(self):
        return (self.provider_id is not None, self.topic_id is not None, bool(self.collection))

    def scope(self):
        parts = []
        if self.collection:
            parts.append(f"collection {self.collection}")
        if self.topic_id:
            parts.append(f"topic {self.topic}")
        if self.provider_id:
            parts.append(f"provider {self.provider}")
        return ", ".join(parts) or "every item"


class ScheduledPublication(models.Model):
    """An item an editor decided to publish at a future time (``publish_scheduled``)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="schedule")
    publish_at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["publish_at"]

    def __str__(self):
        return f"{self.article} at {self.publish_at:%Y-%m-%d %H:%M}"


class ArticleChange(models.Model):
    """One entry of an item's history: who changed which fields, from what to what."""

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        IMPORT = "import", "Import"
        DECISION = "decision", "Decision"
        RULE = "rule", "Triage rule"
        SCHEDULE = "schedule", "Schedule"
        SERVICE = "service", "Service"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    summary = models.CharField(max_length=300, blank=True, default="")
    changes = OrderedJSONField(default=dict, blank=True, help_text="{field: [old, new]}")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["article", "-at"], name="change_article_at")]

    def __str__(self):
        return f"{self.get_source_display()} change of {self.article_id} at {self.at:%Y-%m-%d %H:%M}"


class DeletionMark(models.Model):
    """When an item, a provider or a topic was last deleted (one row, ``pk=1``).

    The public site's validators (ETag / Last-Modified, see ``public.selectors.content_stamp``)
    come from ``MAX(modified_at)`` of the content tables, which every change moves; a
    deletion leaves no row behind to carry a newer ``modified_at``, so it is recorded
    here (``articles.public.receivers``).
    """

    deleted_at = models.DateTimeField()

    def __str__(self):
        return f"last deletion at {self.deleted_at:%Y-%m-%d %H:%M:%S}"
