"""Signals the importer sends, so that editorial features can react to imports
without the importer knowing about them (history, triage rules).
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

# Sent after providers were merged. kwargs: provider (the one kept), merged (list of the
# domains merged into it), by.
providers_merged = Signal()
