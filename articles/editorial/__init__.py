"""The editorial part: what editors decide and how it is recorded.

- ``actions/``: one class per editorial operation (publish, reject, unpublish, schedule,
  queue, add a topic, link a related story, merge providers), all on one base.
- ``history.py``: items' history entries. ``triage.py``: triage rules (decide new
  imports through the actions). ``related.py``: related-story entries and suggestions.
- ``paths.py``: where an item created in the desk is written.
- ``selectors.py``: the desk's read-only figures. ``receivers.py``: reactions to imports.
"""
