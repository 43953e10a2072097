"""The items (``Article``): lists, the item page, one-click decisions, linking, bulk actions.

Every change of editorial state runs an editorial action (``articles.editorial.actions``),
which checks the permission itself; the admin's hooks (``has_*_permission``,
``@admin.action(permissions=...)``) check it first.
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.utils.dateparse import parse_datetime
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import timesince
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from ..editorial.actions import (
    DECISION_ACTIONS, AddTopicAction, StaleDecision, LinkRelatedAction, PublishAction, QueueAction, RejectAction,
    SchedulePublishAction, UnpublishAction, undo_action,
)
from ..editorial.history import record_change
from ..editorial.paths import article_default_path
from ..editorial.related import related_story_from, related_suggestions
from ..models import PUBLISH_PERMISSION, Article, ArticleChange, ArticleTopic, Decision, RelatedStory, Topic
from ..output import absolute_url, json_value
from ..sanitize import sanitize_body
from .filters import (
    CollectionFilter, DecidedByFilter, DecidedFilter, HeatFilter, ProviderFilter, QualityFilter, TopicFilter,
    TypeFilter,
)
from .forms import ArticleAdminForm, DeskActionForm, EditorArticleForm
from .html import logo_html, public_url
from .import_export import ImportExportViews
from .inlines import ArticleImageInline, ArticleTopicInline, RelatedStoryInline
from .paginators import CheapPaginator, LookaheadPaginator
from .search import LIST_DEFERRED, search_items
from .utils import as_id, count_of as _count, is_autocomplete, is_list_view


# Bulk publishing of more than this many items asks first, with the count.
CONFIRM_OVER = 5


@admin.register(Article)
class ArticleAdmin(ImportExportViews, admin.ModelAdmin):
    class Media:
        css = {"all": ["articles/desk.css"]}
        js = ["articles/desk.js"]

    list_display = ["title_link", "collection", "type", "quality", "heat", "status", "provider_logo", "published_at"]
    list_display_links = None
    list_filter = [DecidedFilter, CollectionFilter, TypeFilter, TopicFilter, ProviderFilter, QualityFilter, HeatFilter,
                   "published_at", "decided_at", DecidedByFilter]
    search_fields = ["title", "excerpt", "web_url", "original_url", "provider__name", "provider__domain", "path"]
    list_select_related = ["provider", "decided_by", "schedule"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CheapPaginator
    date_hierarchy = None
    form = ArticleAdminForm
    action_form = DeskActionForm
    actions = ["publish_selected", "reject_selected", "unpublish_selected", "schedule_selected", "add_topic",
               "export_selected"]
    change_list_template = "admin/articles/desk_change_list.html"
    autocomplete_fields = ["provider"]
    inlines = [ArticleTopicInline, ArticleImageInline, RelatedStoryInline]
    object_history_template = "admin/articles/desk_object_history.html"
    readonly_fields = ["status", "links", "body_preview", "provider_logo", "provider_data", "extra_keys",
                       "secured_value", "suggestions", "imported"]
    search_help_text = "Title, excerpt, URL, path or provider."

    # ---- permissions ----
    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PERMISSION)

    # ---- lists ----
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_list_view(request):
            # A list never shows the file text, the body or the other keys: leave them in
            # the database.
            qs = qs.defer(*LIST_DEFERRED).prefetch_related(
                Prefetch("topic_links", queryset=ArticleTopic.objects.select_related("topic").only(
                    "id", "article_id", "topic_id", "position", "label", "topic__id", "topic__name").order_by("position"))
            )
        return qs

    def get_search_results(self, request, queryset, search_term):
        if is_autocomplete(request):
            # Linking a related story: match titles (and an exact URL), newest first,
            # stopping at the first page of matches.
            queryset = queryset.defer(*LIST_DEFERRED)
            term = search_term.strip()
            if not term:
                return queryset, False
            if term.startswith(("http://", "https://")):
                return queryset.filter(Q(web_url=term) | Q(original_url=term)), False
            q = Q()
            for word in term.split()[:5]:
                q &= Q(title__icontains=word)
            # Newest rows first by primary key: a sequential scan that stops at the page.
            return queryset.filter(q).order_by("-pk"), False
        return search_items(queryset, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if is_autocomplete(request):
            return LookaheadPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    @admin.display(description="Title", ordering="title")
    def title_link(self, obj):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])
        return format_html('<a href="{}"><strong>{}</strong></a><br><small class="nr-path">{}</small>', url, obj.display_title, obj.path)

    @admin.display(description="Status")
    def status(self, obj):
        if obj is None or obj.pk is None:
            return "New (awaiting review once saved)"
        schedule = getattr(obj, "schedule", None) if hasattr(obj, "schedule") else None
        if schedule is not None:
            return format_html('<span class="nr-badge nr-scheduled">Scheduled {}</span>',
                               timezone.localtime(schedule.publish_at).strftime("%Y-%m-%d %H:%M"))
        if obj.published is None:
            return format_html('<span class="nr-badge nr-public">{}</span>', "Public (never decided)")
        if obj.published:
            label = "Published"
        elif obj.decided_at is None:
            label = "Awaiting review"
        else:
            label = "Not published"
        who = ""
        if obj.decided_at:
            who = f" by {obj.decided_by.get_username() if obj.decided_by else 'rule'}, {timesince(obj.decided_at)} ago"
        css = {"Published": "nr-public", "Awaiting review": "nr-awaiting"}.get(label, "nr-rejected")
        return format_html('<span class="nr-badge {}">{}</span><small>{}</small>', css, label, who)

    @admin.display(description="Provider", ordering="provider__name")
    def provider_logo(self, obj):
        if obj.provider_id is None:
            return obj.provider_name or ""
        provider = obj.provider
        return format_html("{} {}", logo_html(provider.images, obj.provider_images, size=24), provider.name or provider.domain)

    @admin.display(description="Topics")
    def topic_list(self, obj):
        return ", ".join(str(link) for link in obj.topic_links.all())

    @admin.display(description="Age", ordering="published_at")
    def age(self, obj):
        return timesince(obj.published_at) if obj.published_at else "undated"

    # ---- the item page ----
    def get_form(self, request, obj=None, change=False, **kwargs):
        if self.has_publish_permission(request):
            kwargs["form"] = EditorArticleForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        content = ["title", "name", "excerpt", "body", "featured_content", "category", "type", "collection"]
        if obj is not None:
            content.insert(4, "body_preview")
        decision = ["status"]
        decision_help = None
        if self.has_publish_permission(request):
            decision += ["decision", "decision_note", "publish_at"]
        else:
            decision_help = ("Editors publish, reject or schedule items. Your changes are saved; "
                             "an editor decides whether and when readers see the item.")
        source = ["path", "links", "original_url", "web_url", "amp_web_url", "cdn_amp_web_url", "published_at",
                  "source_updated_at"]
        if obj is not None:
            source.append("imported")
        fieldsets = [
            ("Decision", {"fields": decision + ["version"], **({"description": decision_help} if decision_help else {})}),
            ("Content", {"fields": content}),
            ("Source and URLs", {"fields": source}),
            ("Scores", {"fields": ["quality", "heat"]}),
            ("Provider", {"fields": ["provider", "provider_name", "provider_logo", "provider_data"]}),
        ]
        is_event = obj is not None and (obj.collection == "events" or obj.starts_at or obj.ends_at)
        fieldsets.insert(3, ("Event", {"fields": ["starts_at", "ends_at"], "classes": [] if is_event else ["collapse"],
                                       "description": "When the event takes place (startDateTime, endDateTime)."}))
        if obj is not None:
            fieldsets.append(("Suggested related stories", {"fields": ["suggestions"],
                              "description": "Items close in time sharing a topic or title words. One click links them."}))
            fieldsets.append(("Other keys of the file (read-only)", {"fields": ["extra_keys", "secured_value"],
                              "classes": ["collapse"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("path")
        return fields

    @admin.display(description="Links")
    def links(self, obj):
        parts = []
        url = public_url(obj) if obj.pk else None
        if obj.pk:
            preview = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_preview", args=[quote(obj.pk)])
            parts.append(format_html('<a href="{}" class="nr-preview" target="_blank" rel="noopener">Preview</a>', preview))
        if url:
            note = "" if obj.is_published else " (readers get a 404 until it is published)"
            parts.append(format_html('<a href="{}" target="_blank" rel="noopener">Public page</a>{}', url, note))
        for label, value in (("Where readers go (webUrl)", obj.web_url), ("Original", obj.original_url)):
            url = absolute_url(value)
            if url:
                parts.append(format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, label))
        return mark_safe(" · ".join(parts)) if parts else "-"

    @admin.display(description="Body as readers see it (sanitized)")
    def body_preview(self, obj):
        if not obj.body.strip():
            return "(empty)"
        return format_html('<div class="nr-body-preview">{}</div>', sanitize_body(obj.body))

    @admin.display(description="From the file")
    def provider_data(self, obj):
        rows = []
        if obj.provider_images:
            rows.append(format_html("Logo renditions: {}", ", ".join(
                f"{i.get('width')}x{i.get('height')}" for i in obj.provider_images if isinstance(i, dict))))
        if obj.provider_authors:
            rows.append(format_html("Authors: {}", ", ".join(
                str(a.get("name")) for a in obj.provider_authors if isinstance(a, dict))))
        if obj.provider_extra:
            rows.append(format_html("Other keys: {}", ", ".join(obj.provider_extra)))
        return format_html_join(mark_safe("<br>"), "{}", ((r,) for r in rows)) if rows else "-"

    @admin.display(description="Other keys")
    def extra_keys(self, obj):
        import json

        if not obj.extra:
            return "(none)"
        # As the API shows them: dates as ISO 8601, keys as text, NaN as null.
        return format_html("<pre class='nr-extra'>{}</pre>", json.dumps(json_value(obj.extra), indent=2, ensure_ascii=False))

    @admin.display(description="secured (kept exactly, never editable)")
    def secured_value(self, obj):
        if not obj.secured:
            return "(none)"
        return format_html("<code class='nr-secured'>{}</code><br><small>{} characters</small>", obj.secured, len(obj.secured))

    @admin.display(description="Last import")
    def imported(self, obj):
        if not obj.imported_at:
            return "Created in Newsroom"
        return timezone.localtime(obj.imported_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="Suggestions")
    def suggestions(self, obj):
        if obj.pk is None:
            return ""
        found = related_suggestions(article=obj)
        if not found:
            return "No likely related items (none close in time shares a topic or title words)."
        url = reverse("admin:articles_article_link", args=[quote(obj.pk)])
        rows = format_html_join(
            "", '<li><button type="submit" class="button nr-link" formaction="{}" name="target" value="{}">Link</button> '
                '<a href="{}">{}</a> <small>{} · {}</small></li>',
            ((url, c.pk, reverse("admin:articles_article_change", args=[c.pk]), c.display_title,
              c.provider.name if c.provider_id else (c.provider_name or ""),
              c.published_at.strftime("%Y-%m-%d") if c.published_at else "") for c in found),
        )
        return format_html('<ul class="nr-suggestions">{}</ul>', rows)

    def save_model(self, request, obj, form, change):
        if not obj.path:
            obj.path = article_default_path(collection=obj.collection or "news", title=obj.display_title if obj.title or obj.name else "",
                                                     published_at=obj.published_at)
        if not change:
            obj.published = False  # a new item awaits a decision like any other
        changes = {}
        if change:
            for name in form.changed_data:
                if name in ("version", "decision", "decision_note", "publish_at"):
                    continue
                changes[name] = (form.initial.get(name), form.cleaned_data.get(name))
        super().save_model(request, obj, form, change)
        if change and changes:
            record_change(article=obj, source=ArticleChange.Source.ADMIN, by=request.user, changes=changes,
                                   summary="Edited: " + ", ".join(changes), at=obj.modified_at)
        elif not change:
            record_change(article=obj, source=ArticleChange.Source.ADMIN, by=request.user, summary="Created", at=obj.modified_at)
        decision = form.cleaned_data.get("decision") if "decision" in form.cleaned_data else ""
        if decision:
            self._decide(request, obj, decision, form.cleaned_data.get("decision_note", ""), form.cleaned_data.get("publish_at"))

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if isinstance(obj, RelatedStory) and obj.target_id and not (obj.title or obj.web_url):
                # Linked through autocomplete: the entry describes the item, as files do.
                filled = related_story_from(obj.target, article=form.instance, position=obj.position)
                for name in ("title", "excerpt", "published_at", "web_url", "type", "provider_name", "provider_domain", "quality"):
                    if getattr(obj, name) in (None, ""):
                        setattr(obj, name, getattr(filled, name))
            obj.save()
        formset.save_m2m()
        counts = {"added": len(formset.new_objects), "changed": len(formset.changed_objects), "removed": len(formset.deleted_objects)}
        if any(counts.values()) and change:
            label = formset.model._meta.verbose_name_plural
            record_change(
                article=form.instance, source=ArticleChange.Source.ADMIN, by=request.user,
                summary=f"{label}: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n),
                changes={str(label): [None, ", ".join(f"{n} {k}" for k, n in counts.items() if n)]},
            )
        if formset.model is RelatedStory:
            for inline_form in formset.forms:
                story = inline_form.instance
                if inline_form.cleaned_data.get("link_back") and story.pk and story.target_id:
                    LinkRelatedAction(story.target, target=form.instance, user=request.user).execute()
        return instances

    def _decide(self, request, obj, decision, note, publish_at=None):
        # The form's version check (ArticleAdminForm.clean) already refused the save if
        # anything, a decision included, changed the item since the editor opened it.
        try:
            if decision == "schedule":
                made = SchedulePublishAction(obj, publish_at=publish_at, user=request.user, note=note).execute()
            elif decision == "queue":
                made = QueueAction(obj, user=request.user, note=note).execute()
            else:
                made = DECISION_ACTIONS[decision](obj, user=request.user, note=note).execute()
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return False
        self.message_user(request, self._with_undo(request, format_html("“{}”: {}.", obj.display_title,
                          made.get_action_display().lower()), [made]), messages.SUCCESS)
        return True

    # ---- decisions safe between editors: what the editor saw, and undo ----
    def _seen(self, request):
        """When the editor's list was shown (``DeskActionForm.seen_at``), or None."""
        return parse_datetime(request.POST.get("seen_at") or "")

    def _with_undo(self, request, text, decisions, back=None):
        """A success message with an Undo button: a form posting to ``undo_view``, which
        returns to ``back`` (a page to GET; by default the one that was posted to)."""
        if not decisions:
            return text
        return format_html(
            '{} <form method="post" action="{}" class="nr-undo">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="decisions" value="{}">'
            '<input type="hidden" name="next" value="{}">'
            '<button type="submit" class="button nr-undo-button">Undo</button></form>',
            text, reverse("admin:articles_article_undo"), get_token(request),
            ",".join(str(d.pk) for d in decisions), back or request.get_full_path(),
        )

    def undo_view(self, request):
        """Undo decisions (the Undo button of a success message): each item back to its
        state before, through the editorial action of that state, recorded as an undo;
        refused for an item someone decided on since."""
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        ids = [as_id(part) for part in (request.POST.get("decisions") or "").split(",")]
        decisions = list(Decision.objects.filter(pk__in=[i for i in ids if i]).select_related("article").order_by("pk"))
        done, failed = [], []
        for decision in decisions:
            try:
                done.append(undo_action(decision, user=request.user).execute())
            except ValidationError as exc:
                failed.append("; ".join(exc.messages))
        if done:
            self.message_user(request, f"Undone: {_count(len(done), 'item')} back as they were.", messages.SUCCESS)
        for message in failed[:10]:
            self.message_user(request, message, messages.ERROR)
        if not decisions:
            self.message_user(request, "Nothing to undo.", messages.WARNING)
        return self._back(request, reverse("admin:articles_article_changelist"))

    # ---- history ----
    def history_view(self, request, object_id, extra_context=None):
        changes = ArticleChange.objects.filter(article_id=unquote(object_id)).select_related("by").order_by("-at", "-id")
        decisions = Decision.objects.filter(article_id=unquote(object_id)).select_related("by").order_by("-at", "-id")
        context = {"article_changes": changes, "article_decisions": decisions, **(extra_context or {})}
        return super().history_view(request, object_id, extra_context=context)

    # ---- extra views: one-click decisions, linking ----
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = []
        if self.model is Article:
            extra = [
                path("import/", self.admin_site.admin_view(self.import_view), name="articles_article_import"),
                path("import/<str:token>/", self.admin_site.admin_view(self.import_review_view),
                     name="articles_article_import_review"),
            ]
        return extra + [
            path("undo/", self.admin_site.admin_view(self.undo_view), name="%s_%s_undo" % info),
            path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view), name="%s_%s_decide" % info),
            path("<path:object_id>/link/", self.admin_site.admin_view(self.link_view), name="%s_%s_link" % info),
            path("<path:object_id>/preview/", self.admin_site.admin_view(self.preview_view), name="%s_%s_preview" % info),
        ] + super().get_urls()

    def _back(self, request, default):
        target = request.POST.get("next") or request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(default)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(Article, pk=unquote(object_id))
        decision = request.POST.get("decision", "")
        if decision not in DECISION_ACTIONS:
            self.message_user(request, "Unknown decision.", messages.ERROR)
        else:
            note = (request.POST.get(f"note-{obj.pk}") or request.POST.get("note") or "").strip()
            seen = self._seen(request)
            back = self._back(request, reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
            if seen is None:
                self.message_user(request, "This page is missing the time it was shown: reload it and decide again.",
                                  messages.ERROR)
                return back
            try:
                made = DECISION_ACTIONS[decision](obj, user=request.user, note=note, seen=seen).execute()
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                label = Decision.Action(decision).label.lower()
                self.message_user(request, self._with_undo(request, format_html("“{}” {}.", obj.display_title, label),
                                                           [made], back=back["Location"]), messages.SUCCESS)
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return self._back(request, changelist)

    def preview_view(self, request, object_id):
        """The item as readers see (or would see) it: the public page's own template
        and data, for any item, published or not; only on the desk (never cached)."""
        from ..public.selectors import article_preview

        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            article = article_preview(pk=as_id(unquote(object_id)) or 0)
        except Article.DoesNotExist:
            raise Http404("No such item.") from None
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(article.pk)])
        return TemplateResponse(request, "articles/article_detail.html", {
            "article": article, "preview": {"is_published": article.is_published, "back": back},
        })

    def link_view(self, request, object_id):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        obj = get_object_or_404(Article, pk=unquote(object_id))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        target = get_object_or_404(Article, pk=as_id(request.POST.get("target")))
        try:
            created = LinkRelatedAction(obj, target=target, user=request.user,
                                                 both_ways=request.POST.get("both_ways") == "1").execute()
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, format_html("Linked “{}” as a related story.", target.display_title) if created
                              else "Already linked.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(obj.pk)]))

    # ---- bulk actions ----
    def _run(self, request, queryset, make, verb):
        """Run ``make(article, seen)`` for each item; refused as a whole without the time
        the list was shown, item by item for those decided on since."""
        seen = self._seen(request)
        if seen is None:
            self.message_user(request, "This page is missing the time it was shown: reload it and try again.",
                              messages.ERROR)
            return
        if request.POST.get("select_across") != "1":
            # The rows the editor ticked, whether or not the list's filter still shows them
            # (a queue drops an item someone decided on): the time seen decides for each.
            ticked = [as_id(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)]
            queryset = Article.objects.filter(pk__in=[pk for pk in ticked if pk])
        made, failed = [], []
        for article in queryset.select_related(None).prefetch_related(None).order_by("pk"):
            try:
                made.append(make(article, seen).execute())
            except ValidationError as exc:
                failed.append("; ".join(exc.messages) if isinstance(exc, StaleDecision)
                              else f"{article.display_title}: {'; '.join(exc.messages)}")
        if made:
            self.message_user(request, self._with_undo(request, f"{verb} {_count(len(made), 'item')}.", made),
                              messages.SUCCESS)
        if len(failed) > 10:
            self.message_user(request, f"{_count(len(failed), 'item')} not changed; the first 10:", messages.ERROR)
        for message in failed[:10]:
            self.message_user(request, message, messages.ERROR)

    def _confirm(self, request, queryset, verb):
        """The page that asks before a bulk decision on more than CONFIRM_OVER items,
        with the count; None once confirmed (or for a handful)."""
        if request.POST.get("confirmed") == "yes":
            return None
        count = queryset.count()
        if count <= CONFIRM_OVER:
            return None
        hidden = [(k, v) for k in request.POST if k not in ("csrfmiddlewaretoken", "confirmed", "index")
                  for v in request.POST.getlist(k)]
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": f"{verb} {_count(count, 'item')}?",
            "verb": verb, "count": count, "count_label": _count(count, "item"), "hidden": hidden,
            "sample": list(queryset.select_related(None).prefetch_related(None).order_by("pk")
                           .only("pk", "title", "name", "path")[:20]),
        }
        return TemplateResponse(request, "admin/articles/confirm_bulk.html", context)

    def _note(self, request):
        return (request.POST.get("note") or "").strip()

    @admin.action(permissions=["publish"], description="Publish selected items")
    def publish_selected(self, request, queryset):
        confirm = self._confirm(request, queryset, "Publish")
        if confirm is not None:
            return confirm
        note = self._note(request)
        self._run(request, queryset, lambda a, seen: PublishAction(a, user=request.user, note=note, seen=seen), "Published")

    @admin.action(permissions=["publish"], description="Reject selected items")
    def reject_selected(self, request, queryset):
        note = self._note(request)
        self._run(request, queryset, lambda a, seen: RejectAction(a, user=request.user, note=note, seen=seen),
                  "Rejected")

    @admin.action(permissions=["publish"], description="Unpublish selected items")
    def unpublish_selected(self, request, queryset):
        note = self._note(request)
        self._run(request, queryset, lambda a, seen: UnpublishAction(a, user=request.user, note=note, seen=seen),
                  "Unpublished")

    @admin.action(permissions=["publish"], description="Schedule selected items (set “Publish at”)")
    def schedule_selected(self, request, queryset):
        form = DeskActionForm(request.POST)
        form.fields["action"].choices = [(request.POST.get("action"), "")]
        when = form.cleaned_data.get("publish_at") if form.is_valid() else None
        if when is None:
            self.message_user(request, "Set “Publish at” in the action bar to schedule.", messages.ERROR)
            return
        note = self._note(request)
        self._run(request, queryset, lambda a, seen: SchedulePublishAction(a, publish_at=when, user=request.user, note=note, seen=seen),
                  "Scheduled")

    @admin.action(permissions=["view"], description="Export selected items as a .zip site")
    def export_selected(self, request, queryset):
        return self.export_zip(request, queryset)

    @admin.action(permissions=["change"], description="Add the chosen topic to selected items")
    def add_topic(self, request, queryset):
        pk = as_id(request.POST.get("topic"))
        topic = Topic.objects.filter(pk=pk).first() if pk else None
        if topic is None:
            self.message_user(request, "Choose a topic in the action bar first.", messages.ERROR)
            return
        n = AddTopicAction(queryset, topic=topic, user=request.user).execute()
        self.message_user(request, f"Added topic “{topic.name}” to {n} item{'s' if n != 1 else ''}.", messages.SUCCESS)
