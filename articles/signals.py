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
