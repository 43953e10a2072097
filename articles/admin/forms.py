"""The desk's forms: the action bar, the item, related story and provider forms."""

import datetime

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import Article, ArticleChange, Provider, RelatedStory, Topic
from ..output import printable


def _now_iso() -> str:
    return timezone.now().isoformat()


class DeskActionForm(ActionForm):
    """The action bar: a note, a topic and a time for the actions that need them.
    ``seen_at``, the time the list was shown, goes with every decision taken from the list
    (bulk actions and row buttons): a decision made on an item since then refuses it."""

    seen_at = forms.CharField(widget=forms.HiddenInput, required=False, initial=_now_iso)

    note = forms.CharField(required=False, label="Note", widget=forms.TextInput(attrs={"size": 24, "placeholder": "optional note"}))
    topic = forms.ModelChoiceField(queryset=Topic.objects.only("id", "name").order_by("name"), required=False, label="Topic")
    publish_at = forms.DateTimeField(
        required=False, label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


def label_controls(form, *, where: str = "", every: bool = False) -> None:
    """Give controls that a <label> does not name an accessible name (aria-label): the
    date and time boxes of a split date-time (one <label> for two inputs), and, with
    ``every``, the cells of a tabular inline, whose column heading is no label."""
    for name, field in form.fields.items():
        label = str(field.label or name.replace("_", " ").capitalize())
        if where:
            label = f"{label}, {where}"
        widget = field.widget
        if widget.__class__.__name__ == "RelatedFieldWidgetWrapper":
            widget = widget.widget
        if isinstance(widget, forms.MultiWidget):
            for sub, part in zip(widget.widgets, ("date", "time")):
                sub.attrs.setdefault("aria-label", f"{label}: {part}")
        elif every and not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("aria-label", label)


def _as_shown(text: str) -> str:
    """Text as a form sends it back: shown without control characters (output.py), line
    ends made CRLF by the browser, surrounding whitespace stripped by Django."""
    return printable(text).replace("\r\n", "\n").replace("\r", "\n").strip()


class KeepsStoredText(forms.ModelForm):
    """A field sent back as it was shown keeps the value stored, exactly: an editor saving
    an item does not rewrite what they did not touch (control characters, line ends,
    surrounding whitespace, the microseconds of a date, a key the file does not have)."""

    def _sent_as_shown(self, name) -> bool:
        if not self.is_bound or self.instance.pk is None or name not in self.fields or name not in self.initial:
            return False
        stored = self.initial.get(name)
        if isinstance(stored, str) or stored is None:
            sent = self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if stored is None:  # no value (no key in the file) is shown as an empty field
                return sent in ("", None)
            return isinstance(sent, str) and _as_shown(sent) == _as_shown(stored)
        if isinstance(stored, datetime.datetime) and hasattr(self, "cleaned_data"):
            value = self.cleaned_data.get(name)
            return isinstance(value, datetime.datetime) and value == stored.replace(microsecond=0)
        return False

    def clean(self):
        cleaned = super().clean()
        for name in list(cleaned):
            if cleaned[name] != self.initial.get(name) and self._sent_as_shown(name):
                cleaned[name] = self.initial[name]
        return cleaned

    @cached_property
    def changed_data(self):
        return [name for name in super().changed_data if not self._sent_as_shown(name)]


class ArticleAdminForm(KeepsStoredText):
    """The item form. ``version`` (the modification time the editor saw) refuses the save
    of a stale form, with what changed since, instead of overwriting it silently."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = "__all__"
        widgets = {
            "title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "excerpt": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
            "body": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
            "featured_content": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "category": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_controls(self)
        if self.instance.pk and self.instance.modified_at:
            self.fields["version"].initial = self.instance.modified_at.isoformat()
        if "path" in self.fields:
            self.fields["path"].required = False
            self.fields["path"].help_text = "Leave empty to get _news/YYYY-MM-DD-<slug>.md (or the collection's folder)."
        if "collection" in self.fields and not self.instance.pk:
            self.fields["collection"].initial = "news"

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            self._require_what_an_item_needs(cleaned)
            return cleaned
        try:
            seen = parse_datetime(self.data.get(self.add_prefix("version")) or "")
        except ValueError:  # well formed, yet no date ("2024-13-01T00:00:00"): as missing
            seen = None
        if seen is None:
            raise ValidationError("This form is missing its version: reload the page and edit again.")
        current = (
            Article.objects.select_for_update().filter(pk=self.instance.pk)
            .values_list("modified_at", flat=True).first()
        )
        if current is not None and current != seen:
            raise ValidationError(stale_message(self.instance, seen, current))
        return cleaned

    def _require_what_an_item_needs(self, cleaned):
        """A new item needs what readers are shown and where they go (FORMAT.md): a
        title (people and communities are named instead) and a URL (webUrl, else
        originalUrl; people's pages have none). Only on the add form: an imported item
        is kept as its file has it, whatever it lacks."""
        collection = cleaned.get("collection") or "news"
        named = collection in NAMED_COLLECTIONS
        heading = (cleaned.get("name") if named else cleaned.get("title")) or ""
        if not heading.strip() and not (named and (cleaned.get("title") or "").strip()):
            if named:
                self.add_error("name", "Give the item a name (or a title).")
            else:
                self.add_error("title", "Give the item a title: readers see it in every list, feed and page.")
        if collection not in URLLESS_COLLECTIONS and "web_url" not in self.errors and "original_url" not in self.errors:
            if not ((cleaned.get("web_url") or "").strip() or (cleaned.get("original_url") or "").strip()):
                self.add_error("web_url", "Give the URL readers go to (webUrl), or at least the source's (originalUrl).")


# People and communities are named, not titled; people's pages link nowhere.
NAMED_COLLECTIONS = ("people", "communities")
URLLESS_COLLECTIONS = ("people",)


def stale_message(article, seen, current):
    entries = list(ArticleChange.objects.filter(article_id=article.pk, at__gt=seen).select_related("by").order_by("at", "pk"))
    lines = []
    for entry in entries:
        who = entry.by.get_username() if entry.by else entry.get_source_display().lower()
        diff = "; ".join(f"{name}: {short(old)} -> {short(new)}" for name, (old, new) in entry.changes.items())
        lines.append(format_html("<li>{} at {}: {}</li>", who, timezone.localtime(entry.at).strftime("%H:%M:%S"), diff or entry.summary))
    return format_html(
        "Someone else saved this item at {} after you opened it, so your changes were not saved (nothing was "
        "overwritten).{} Reload the page to edit the current version.",
        timezone.localtime(current).strftime("%Y-%m-%d %H:%M:%S"),
        format_html("<ul>{}</ul>", mark_safe("".join(lines))) if lines else "",
    )


def short(value, limit=80):
    text = "(empty)" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EditorArticleForm(ArticleAdminForm):
    """Editors also decide from the item page."""

    decision = forms.ChoiceField(
        required=False, label="Decision",
        choices=[("", "No change"), ("publish", "Publish"), ("reject", "Reject"), ("unpublish", "Unpublish"),
                 ("schedule", "Publish at a set time"), ("queue", "Back to the review queue")],
    )
    decision_note = forms.CharField(required=False, label="Note", widget=forms.TextInput(attrs={"size": 60}))
    publish_at = forms.SplitDateTimeField(required=False, label="Publish at", widget=AdminSplitDateTime)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "schedule":
            when = cleaned.get("publish_at")
            if when is None:
                self.add_error("publish_at", "Give the time to publish at.")
            elif when <= timezone.now():
                self.add_error("publish_at", "The time must be in the future.")
        return cleaned


class RelatedStoryForm(KeepsStoredText):
    link_back = forms.BooleanField(required=False, label="Link back",
                                   help_text="Also add this item to the linked item's related stories.")

    class Meta:
        model = RelatedStory
        fields = ["position", "target", "title", "web_url", "provider_name", "provider_domain", "published_at", "quality"]
        widgets = {"title": forms.TextInput(attrs={"size": 40}), "web_url": forms.TextInput(attrs={"size": 40}),
                   "position": forms.NumberInput(attrs={"class": "nr-position"})}


class ProviderAdminForm(KeepsStoredText):
    logo_upload = forms.ImageField(
        required=False, label="Upload a logo",
        help_text="JPEG, PNG, GIF or WebP, at least 50 x 50, at most 5 MB. Makes the 50x50 and 400x400 renditions.",
    )

    class Meta:
        model = Provider
        fields = ["name", "domain", "aliases"]

    def clean_domain(self):
        return (self.cleaned_data.get("domain") or "").strip().lower().rstrip(".")

    def clean_aliases(self):
        aliases = self.cleaned_data.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValidationError("A list of domains, e.g. [\"old.example.com\"].")
        domain = Provider._meta.get_field("domain")
        for alias in aliases:
            domain.run_validators(alias)  # one rule for a domain: the model's
        return [a.strip().lower() for a in aliases]

    def clean_logo_upload(self):
        from .logos import verify_logo

        upload = self.cleaned_data.get("logo_upload")
        if upload:
            upload.seek(0)
            self.logo_image = verify_logo(upload)
        return upload
