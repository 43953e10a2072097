"""Merge providers into one."""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone

from ... import signals
from ...models import Article, Provider, TriageRule
from .base import EditorialAction


class MergeProvidersAction(EditorialAction):
    """Merge providers into one: their items move, their domains become its aliases (so
    re-imports of files naming them map to the provider kept). Returns the number of
    items moved; one log entry and one ``providers_merged`` signal."""

    permissions = ("articles.change_provider", "articles.delete_provider")
    description = "merge providers"
    signal = signals.providers_merged

    def __init__(self, *, into: Provider, merged: Iterable[Provider], user=None) -> None:
        super().__init__(user=user)
        self.into, self.merged = into, [p for p in merged if p.pk != into.pk]

    def validate(self) -> None:
        if not self.merged:
            raise ValidationError("Choose at least one other provider to merge.")

    def apply(self) -> int:
        into = Provider.objects.select_for_update().get(pk=self.into.pk)
        aliases = list(into.aliases or [])
        moved = 0
        for provider in self.merged:
            for domain in [provider.domain, *(provider.aliases or [])]:
                if domain != into.domain and domain not in aliases:
                    aliases.append(domain)
            moved += Article.objects.filter(provider=provider).update(provider=into, modified_at=timezone.now())
            TriageRule.objects.filter(provider=provider).update(provider=into)
            provider.delete()
        into.aliases = aliases
        into.save(update_fields=["aliases", "modified_at"])
        self.into.aliases = aliases
        return moved

    def touched(self, result: int) -> Provider:
        return self.into

    def log_message(self, result: int) -> str:
        return (f"merged providers {[p.domain for p in self.merged]} into {self.into.domain} "
                f"({result} items) by {self.user or 'the system'}")

    def signal_kwargs(self, result: int) -> dict:
        return {"provider": self.into, "merged": [p.domain for p in self.merged], "by": self.user}
