"""Newsroom's signals: the importer's, so that editorial features can react to imports
without the importer knowing about them (history, triage rules), and the editorial
actions' (``articles.editorial.actions``: each action sends exactly one).
"""
from django.dispatch import Signal

# Sent for each item an import *updated*, inside that file's transaction, after its rows
# were written. kwargs: article (Article), changes (dict: format key -> (old, new)),
# by (User or None).
article_imported = Signal()

# Sent once per import run, after everything was written (not on a dry run).
# kwargs: created_ids (list of Article pks the run created), updated_ids, by (User or None).
import_finished = Signal()

# Sent after an editorial action (publish, reject, unpublish, schedule, queue) was
# applied, outside its transaction. kwargs: article, decision (Decision), by (User or None).
article_decided = Signal()

# Sent after a topic was added to items. kwargs: topic, article_ids (the items that
# gained it), by.
topic_added = Signal()

# Sent after a stored item was linked as a related story. kwargs: article, target,
# stories (the RelatedStory rows created: none when already linked), by.
related_linked = Signal()

# Sent after providers were merged. kwargs: provider (the one kept), merged (list of the
# domains merged into it), by.
providers_merged = Signal()
