"""The site's collections and the folders their files live in.

Shared by every part: the admin's import form offers the folders, the public filters
offer the collections, items created in the desk get a path in their folder.
"""

COLLECTION_FOLDERS = {
    "news": "_news",
    "learning": "_learning",
    "samples": "_samples",
    "newsletters": "_newsletters",
    "people": "_people",
    "communities": "_communities",
    "events": "_events",
    "archive": "_archive/_news",
}
# Collections whose files are named after a day (YYYY-MM-DD-slug.md).
DATED_COLLECTIONS = ("news", "events", "archive")
