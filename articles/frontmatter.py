"""Front-matter files <-> documents. No ORM here.

A *document* is the data of one file: an ordered dict of the format's keys (camelCase,
as in the files) holding str, int, float, bool, aware UTC datetimes, lists and dicts.
Known fields are validated and normalized (dates parsed, empty lists dropped); any
other key is kept as it was.

``parse()`` reads a file (refusing, with ``path:line: field: message``, what is not
safe or not valid); ``render()`` writes a document back *in the file's own style*:
every line whose data did not change is copied from the source text, and changed
values are written the way the file writes that key (quoting, indentation, blank
lines). ``render_new()`` writes a document that has no source, in the news style of
FORMAT.md.

The one table mapping the format's keys to model fields is ``ARTICLE_FIELDS`` (and its
siblings for providers, topics, images and related stories) below.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml's C parser; the pure-Python one is only a fallback.
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader

MAX_DEPTH = 32
MAX_NODES = 50_000
# Characters of scalar text (keys and values) a document may hold once its aliases are
# expanded: a 200 KB file can name one long string thousands of times, small to read but
# hundreds of megabytes to store, hash and export. A file without aliases holds at most
# its own size (MAX_FILE_BYTES, 2 MiB by default), far below this.
MAX_EXPANDED_CHARS = 8_000_000
UTC = dt.timezone.utc

# --------------------------------------------------------------------------------------
# The mapping table: format key -> (model attribute, kind).
# kinds: str (short text; the third item, if any, is its longest length), text (any
# text), int, bool, datetime, url, domain
# --------------------------------------------------------------------------------------
ARTICLE_FIELDS: dict[str, tuple] = {
    "category": ("category", "str", 100),
    "title": ("title", "text"),
    "name": ("name", "str", 300),
    "excerpt": ("excerpt", "text"),
    "publishedDateTime": ("published_at", "datetime"),
    "updatedDateTime": ("source_updated_at", "datetime"),
    # Events (_events/): when they take place.
    "startDateTime": ("starts_at", "datetime"),
    "endDateTime": ("ends_at", "datetime"),
    "originalUrl": ("original_url", "url"),
    "webUrl": ("web_url", "url"),
    "ampWebUrl": ("amp_web_url", "url"),
    "cdnAmpWebUrl": ("cdn_amp_web_url", "url"),
    "type": ("type", "str", 50),
    "quality": ("quality", "int"),
    "heat": ("heat", "int"),
    "published": ("published", "bool"),
    "featuredContent": ("featured_content", "text"),
    "secured": ("secured", "text"),
}
# Structured article keys, handled by the importer/exporter: provider, topics, images, related.
ARTICLE_STRUCTURED = ("provider", "topics", "images", "related")

ITEM_PROVIDER_FIELDS = {"name": ("provider_name", "str", 300), "domain": (None, "domain")}
IMAGE_FIELDS: dict[str, tuple] = {
    "url": ("url", "url"),
    "width": ("width", "int"),
    "height": ("height", "int"),
    "isCached": ("is_cached", "bool"),
    "title": ("title", "text"),
}
RELATED_FIELDS: dict[str, tuple] = {
    "title": ("title", "text"),
    "excerpt": ("excerpt", "text"),
    "publishedDateTime": ("published_at", "datetime"),
    "webUrl": ("web_url", "url"),
    "type": ("type", "str", 50),
    "quality": ("quality", "int"),
}
PROVIDER_FIELDS: dict[str, tuple] = {
    "name": ("name", "str", 300),
    "domain": ("domain", "domain"),
}
TOPIC_FIELDS: dict[str, tuple] = {
    "_id": ("topic_id", "str", 100),
    "name": ("name", "str", 200),
    "shortname": ("shortname", "str", 200),
    "parent": ("parent_ref", "str", 200),
}

# Key order of a news item (FORMAT.md): where a key missing from a file goes when added.
NEWS_ORDER = [
    "category", "title", "name", "excerpt", "publishedDateTime", "updatedDateTime",
    "startDateTime", "endDateTime", "originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat",
    "published", "featuredContent", "provider", "topics", "images", "related", "secured",
]
NESTED_ORDER = {
    "provider": ["name", "domain", "images", "authors"],
    "images": ["url", "width", "height", "isCached", "title"],
    "related": ["title", "excerpt", "publishedDateTime", "webUrl", "type", "provider", "quality", "images"],
}
# Top-level keys written after a blank line in the news style.
BLOCK_KEYS = {"featuredContent", "provider", "topics", "images", "related", "secured"}

# The news style of FORMAT.md, as a file: scalar quoting by key path comes from here for
# items created in the CMS (and for keys a file never had).
NEWS_STYLE_TEMPLATE = """\
category: news
title: "t"
name: "n"
excerpt: "e"
publishedDateTime: 2023-07-26T07:00:00Z
updatedDateTime: 2023-07-26T07:00:00Z
originalUrl: "https://example.com/"
webUrl: "https://example.com/"
ampWebUrl: "https://example.com/"
cdnAmpWebUrl: "https://example.com/"
type: article
quality: 1
heat: -1
published: false

featuredContent: "f"

provider:
  name: P
  domain: example.com
  images:
    - url: "https://example.com/l.jpg"
      width: 50
      height: 50
  authors:
    - name: A

topics:
  - T

images:
  - url: "https://example.com/i.jpg"
    width: 1
    height: 1
    isCached: true
    title: "t"

related:
  - title: "t"
    excerpt: "e"
    publishedDateTime: 2023-07-26T07:00:00Z
    webUrl: "https://example.com/"
    type: article
    provider:
      name: P
      domain: example.com
    quality: 1
    images:
      - url: "https://example.com/i.jpg"
        width: 1
        height: 1
        isCached: true

secured: "s"
"""

CONTENT_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")
DATA_SUFFIXES = (".yaml", ".yml")
SAFE_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
# Host names as they occur (underscores too: real DNS names have them, if RFC 952 does not).
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$", re.I)


class FrontMatterError(ValueError):
    """A refused file: ``path:line: field: message``."""

    def __init__(self, path: str, line: int | None, message: str, field: str | None = None):
        self.path, self.line, self.field, self.message = path, line, field, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
@dataclass
class Source:
    """A file split into its parts, kept so it can be written back byte for byte."""

    path: str
    text: str  # the whole file, decoded (BOM and line endings included)
    kind: str  # "frontmatter" or "yaml"
    bom: str
    newline: str
    prefix_lines: list[str]  # lines before the YAML (the opening ---)
    yaml_raw: str | None  # the YAML lines as in the file, with their line ends (None: no line)
    suffix: str  # the closing --- line, with its line ending ("" for plain YAML)
    body: str  # everything after the closing line
    first_line: int  # 1-based file line of yaml_lines[0]
    node: Any = None  # yaml node tree of the mapping
    raw: dict = field(default_factory=dict)  # the mapping as loaded

    def line_of(self, node) -> int:
        return self.first_line + node.start_mark.line

    @functools.cached_property
    def yaml_lines(self) -> list[str]:
        """The YAML lines, without line endings (split only when rendering needs them)."""
        if self.yaml_raw is None:
            return []
        return [ln[:-1] if ln.endswith("\r") else ln for ln in self.yaml_raw.split("\n")]

    @property
    def yaml_text(self) -> str:
        """What the YAML parser reads: the lines joined by \\n."""
        raw = self.yaml_raw
        if raw is None:
            return ""
        return raw if "\r" not in raw else "\n".join(self.yaml_lines)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(path: str, data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise FrontMatterError(path, None, f"file is {len(data)} bytes, over the limit of {max_bytes}")
    if b"\x00" in data:
        raise FrontMatterError(path, data[: data.index(b"\x00")].count(b"\n") + 1, "binary file (NUL byte)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrontMatterError(path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


# The delimiters, as Jekyll reads them: '---' opens, '---' or YAML's document end '...'
# closes, either followed by nothing but blanks on its line.
_BLANKS = " \t\r"
_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t\r]*(?=\n|\Z)")


def has_front_matter(text: str) -> bool:
    first = text[1:] if text.startswith("\ufeff") else text
    return first.startswith("---") and first.split("\n", 1)[0].rstrip(_BLANKS) == "---"


def split(path: str, text: str, kind: str) -> Source:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    content = text[len(bom):]
    newline = "\r\n" if "\r\n" in content else "\n"
    if kind == "yaml":
        # A final newline is not a line of its own.
        trailing = not content or content.endswith("\n")
        raw = None if not content else content[:-1] if trailing else content
        return Source(path, text, kind, bom, newline, [], raw, newline if trailing else "", "", 1)
    # The closing line is the first line after the first that reads '---' or '...' (then
    # only blanks). Only the front matter is split into lines; the body is sliced as it is.
    first_nl = content.find("\n")
    close = line_end = -1
    match = _CLOSING.search(content, first_nl) if first_nl != -1 else None
    if match is not None:
        close, line_end = match.start(), (match.end() if match.end() < len(content) else -1)
    if close == -1:
        raise FrontMatterError(path, 1, "front matter has no closing '---' line")
    raw = None if close == first_nl else content[first_nl + 1:close]
    if line_end == -1:
        closing, rest = content[close + 1:], ""
        suffix = closing
    else:
        closing, rest = content[close + 1:line_end], content[line_end + 1:]
        suffix = closing + "\n"
    return Source(path, text, kind, bom, newline, [content[:first_nl].rstrip("\r")], raw, suffix, rest, 2)


class Key:
    """A mapping key that Python would take for another key of the mapping: ``true``
    where ``1`` is a key too (True == 1), ``1.0`` beside ``1``. YAML tells them apart (they
    are of different types) but a dict cannot, and the safe loader silently keeps one
    value of the two; Newsroom keeps both, the later key held in a Key."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is Key and type(other.value) is type(self.value) and (
            other.value is self.value or other.value == self.value
        )

    def __hash__(self):
        return hash((type(self.value).__name__, self.value))

    def __repr__(self):
        return f"Key({self.value!r})"


_DUPLICATE = object()


def mapping_key(key, seen: dict):
    """The key that holds ``key`` in a mapping whose keys so far are ``seen`` (``{key:
    key}``, updated): ``key`` itself, a ``Key`` when an earlier key of another type is
    equal to it, or ``_DUPLICATE`` when it repeats a key (the same value, the same type)."""
    earlier = seen.get(key, _DUPLICATE)
    if earlier is _DUPLICATE:
        seen[key] = key
        return key
    if type(earlier) is type(key):
        return _DUPLICATE
    wrapped = Key(key)
    if wrapped in seen:
        return _DUPLICATE
    seen[wrapped] = wrapped
    return wrapped


def _walk_checks(src: Source, root, loader=None) -> None:
    """Refuse unsafe tags, merge keys, duplicate keys, deep nesting, alias bombs and
    scalars the safe loader cannot build (``2024-02-30``, an integer of 5,000 digits).

    Iterative, counting every node as often as aliases make the constructor visit it.
    Keys are compared as the loader builds them: ``1`` and ``true`` (or ``1.0``) are
    one key to the safe loader, which would silently keep only the last value.
    """
    seen_collections: set[int] = set()
    has_aliases = False
    count = chars = 0
    stack = [(root, 0, (), "")]
    while stack:
        node, depth, ancestors, where = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FrontMatterError(src.path, src.line_of(node), f"more than {MAX_NODES} values (alias expansion?)", field=_top(where))
        if isinstance(node, yaml.ScalarNode):
            chars += len(node.value)
            if chars > MAX_EXPANDED_CHARS:
                raise FrontMatterError(
                    src.path, src.line_of(node), f"more than {MAX_EXPANDED_CHARS} characters of values once aliases are expanded",
                    field=_top(where),
                )
        if depth > MAX_DEPTH:
            raise FrontMatterError(src.path, src.line_of(node), f"nested deeper than {MAX_DEPTH} levels", field=_top(where))
        if node.tag not in SAFE_TAGS:
            raise FrontMatterError(src.path, src.line_of(node), f"YAML tag {node.tag!r} is not allowed", field=where or None)
        if isinstance(node, yaml.ScalarNode):
            if loader is not None:
                _checked_scalar(src, loader, node, where)
            continue
        key = id(node)
        if key in seen_collections:
            has_aliases = True
        seen_collections.add(key)
        if has_aliases and key in ancestors:
            raise FrontMatterError(src.path, src.line_of(node), "recursive alias", field=where or None)
        inner = ancestors + (key,)
        if isinstance(node, yaml.MappingNode):
            keys: dict = {}  # key as built -> its node
            built: dict = {}  # for mapping_key()
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    raise FrontMatterError(src.path, src.line_of(k), "mapping keys must be scalars, not lists or mappings", field=where or None)
                if k.tag == "tag:yaml.org,2002:merge" or k.value == "<<":
                    raise FrontMatterError(src.path, src.line_of(k), "merge keys ('<<') are not allowed", field=where or None)
                if k.tag not in SAFE_TAGS:
                    raise FrontMatterError(src.path, src.line_of(k), f"YAML tag {k.tag!r} is not allowed", field=where or None)
                name = f"{where}.{k.value}" if where else k.value
                chars += len(k.value)
                value = _checked_scalar(src, loader, k, name) if loader is not None else k.value
                held = mapping_key(value, built)  # (the loader's NaN is one object: found by identity)
                if held is _DUPLICATE:
                    first = keys[Key(value)] if Key(value) in keys else keys[value]
                    message = "duplicate key" if first.value == k.value else (
                        f"duplicate key: the same key as {first.value!r} on line {src.line_of(first)} once read"
                    )
                    raise FrontMatterError(src.path, src.line_of(k), message, field=name)
                keys[held] = k
                stack.append((v, depth + 1, inner, name))
        else:
            for i, item in enumerate(node.value):
                stack.append((item, depth + 1, inner, f"{where}[{i}]"))


def _top(where: str) -> str | None:
    """The top-level key of a field path (``related`` of ``related[0].images``)."""
    return re.split(r"[.\[]", where, maxsplit=1)[0] or None


def _checked_scalar(src: Source, loader, node, where: str):
    """The value of a scalar node as the safe loader builds it, or a refusal naming it."""
    if node.tag == _STR:
        return node.value
    build = _SCALARS.get(node.tag)
    if build is None:
        raise FrontMatterError(src.path, src.line_of(node), f"YAML tag {node.tag!r} cannot mark a scalar", field=where or None)
    try:
        return build(loader, node)
    # (An explicit tag on a value it cannot mark: ``!!timestamp soon`` fails to match in
    # PyYAML's constructor (AttributeError), ``!!bool maybe`` is not in its table (KeyError).)
    except (ValueError, OverflowError, ArithmeticError, KeyError, AttributeError, TypeError) as exc:
        kind = node.tag.rsplit(":", 1)[-1]
        detail = f" ({exc})" if isinstance(exc, (ValueError, ArithmeticError)) else ""
        raise FrontMatterError(
            src.path, src.line_of(node), f"not a valid YAML {kind}: {_show(node.value)}{detail}", field=where or None,
        ) from None


class _Refused(Exception):
    """Raised by the checking loader on the fast path: take the slow path for the message."""


class CheckingLoader(SafeLoader):
    """libyaml's safe loader that refuses, while it constructs, what ``_walk_checks`` refuses
    in a tree without aliases or explicit tags: duplicate, merge and non-scalar keys,
    nesting deeper than MAX_DEPTH and more than MAX_NODES values.

    It raises ``_Refused`` (no message): ``load()`` then walks the tree the slow way to
    name the line and the reason, so messages are the same on both paths.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.fm_count = 1
        self.fm_depth: dict = {}  # id(collection node) -> depth, for collections below the root

    # libyaml's composer asks Python for the tag of every node. PyYAML's resolver walks
    # path resolvers (the safe loader has none) and builds a list per scalar; this one
    # gives the same tags, and remembers those of the plain scalars it has seen (the keys,
    # true/false, ...), which repeat from file to file.
    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = _STR
                for candidate, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        tag = candidate
                        break
                if len(_PLAIN_TAGS) < 20_000:
                    _PLAIN_TAGS[value] = tag
            return tag
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def _enter(self, node) -> int:
        depth = self.fm_depth.get(id(node), 0)
        self.fm_count += len(node.value)
        if self.fm_count > MAX_NODES or (node.value and depth + 1 > MAX_DEPTH):
            raise _Refused
        return depth + 1

    def construct_mapping(self, node, deep=False):
        """SafeConstructor's, keys held as ``mapping_key()`` holds them (1 and true both)."""
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        child_depth = self._enter(node)
        mapping, seen = {}, {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.value == "<<" or k.tag not in SAFE_TAGS:
                raise _Refused
            if not isinstance(v, yaml.ScalarNode):
                self.fm_depth[id(v)] = child_depth
            key = mapping_key(self.construct_object(k, deep=deep), seen)
            if key is _DUPLICATE:
                raise _Refused
            mapping[key] = self.construct_object(v, deep=deep)
        return mapping

    def construct_sequence(self, node, deep=False):
        if isinstance(node, yaml.SequenceNode):
            child_depth = self._enter(node)
            for v in node.value:
                if not isinstance(v, yaml.ScalarNode):
                    self.fm_depth[id(v)] = child_depth
        return super().construct_sequence(node, deep=deep)


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
# The safe loader's implicit resolvers by first character ('' for the empty scalar),
# each followed by the wildcard ones, as BaseResolver.resolve tries them.
_WILDCARD = tuple(SafeLoader.yaml_implicit_resolvers.get(None, ()))
_IMPLICIT = {
    first: tuple(resolvers) + _WILDCARD
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items() if first is not None
}
_PLAIN_TAGS: dict[str, str] = {}
# Builds scalars outside a load (keys of a stored source, when rendering).
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# The NaN the safe loader gives for every ``.nan``: one object, so that NaN keys are
# found in mappings (NaN is not equal to itself).
NAN = yaml.constructor.SafeConstructor.nan_value
_SCALARS = {
    "tag:yaml.org,2002:" + name: getattr(yaml.constructor.SafeConstructor, "construct_yaml_" + name)
    for name in ("null", "bool", "int", "float", "timestamp")
}


def _build(loader: CheckingLoader, node, depth: int):
    """The data of a node tree without aliases or explicit tags, as SafeConstructor would
    build it, checked as ``_walk_checks`` checks it, by plain recursion (PyYAML's
    constructor, made for recursive structures, costs twice as much). Scalars, most of
    the nodes, are built in line."""
    cls = node.__class__
    if cls is yaml.ScalarNode:
        return node.value if node.tag == _STR else _scalar(loader, node)
    loader.fm_count += len(node.value)
    if loader.fm_count > MAX_NODES or (node.value and depth + 1 > MAX_DEPTH):
        raise _Refused
    inner = depth + 1
    scalar_node = yaml.ScalarNode
    if cls is yaml.SequenceNode and node.tag == _SEQ:
        return [
            (item.value if item.tag == _STR else _scalar(loader, item)) if item.__class__ is scalar_node
            else _build(loader, item, inner)
            for item in node.value
        ]
    if cls is yaml.MappingNode and node.tag == _MAP:
        data = {}
        for k, v in node.value:
            if k.__class__ is not scalar_node or k.value == "<<" or k.tag not in SAFE_TAGS:
                raise _Refused
            key = k.value if k.tag == _STR else _scalar(loader, k)
            if v.__class__ is scalar_node:
                data[key] = v.value if v.tag == _STR else _scalar(loader, v)
            else:
                data[key] = _build(loader, v, inner)
        if len(data) != len(node.value):  # keys equal once built: the slow path tells them apart
            raise _Refused
        return data
    raise _Refused


def _scalar(loader: CheckingLoader, node):
    build = _SCALARS.get(node.tag)
    if build is None:
        raise _Refused
    try:
        return build(loader, node)
    except (ValueError, ArithmeticError, KeyError, AttributeError, TypeError):  # 2024-02-30, 5,000 digits: named by the walk
        raise _Refused from None


# Where an alias (*name) or an explicit tag (!tag) could start. Text without any of these
# can hold neither, so the checks of _walk_checks are left to the CheckingLoader.
_ALIAS_OR_TAG = re.compile(r"(?:^|[\s\[\]{},:?-])[*!]")


# Longer YAML texts are first checked for nesting without building anything: libyaml's
# composer (in C, through PyYAML's Cython wrapper) recurses once a level and overflows
# the C stack (a crash of the whole process, not an exception) some ten thousand levels
# down. A level takes at least one character, so shorter texts cannot get there.
SAFE_NESTING_CHARS = 4000


def load(src: Source) -> None:
    """Parse the YAML of ``src`` safely into ``src.node`` and ``src.raw``."""
    text = src.yaml_text
    if len(text) > SAFE_NESTING_CHARS:
        _check_nesting(src, text)
    fast = ("*" not in text and "!" not in text) or not _ALIAS_OR_TAG.search(text)
    if fast:
        try:
            _load(src, text, walk=False)
            return
        except (_Refused, yaml.constructor.ConstructorError):
            pass  # the slow path finds the line and says why
    _load(src, text, walk=True)


def _check_nesting(src: Source, text: str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH, from its parser's events (no recursion)."""
    depth = 0
    top_key, expect_key = None, False  # the key of the document's mapping being read
    start = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    end = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, start):
                if depth == 1:
                    expect_key = True  # the value of top_key: the next scalar at level 1 is a key
                depth += 1
                if depth == 1:
                    expect_key = isinstance(event, yaml.MappingStartEvent)
                if depth > MAX_DEPTH + 1:  # the document's mapping is level 0
                    line = src.first_line + event.start_mark.line
                    raise FrontMatterError(src.path, line, f"nested deeper than {MAX_DEPTH} levels", field=top_key)
            elif isinstance(event, end):
                depth -= 1
            elif depth == 1 and isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                if expect_key and isinstance(event, yaml.ScalarEvent):
                    top_key = event.value
                expect_key = not expect_key
    except yaml.YAMLError:
        pass  # invalid YAML: the loader says where, without getting that deep


def _load(src: Source, text: str, *, walk: bool) -> None:
    loader = CheckingLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:  # nothing but blank lines or comments: an empty mapping
            src.node, src.raw = yaml.MappingNode("tag:yaml.org,2002:map", []), {}
            return
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError(src.path, src.line_of(node), "front matter is not a mapping")
        if walk:
            _walk_checks(src, node, loader)
            data = loader.construct_document(node)
        else:
            data = _build(loader, node, 0)
    except yaml.MarkedYAMLError as exc:
        if not walk and isinstance(exc, yaml.constructor.ConstructorError):
            raise
        mark = exc.problem_mark or exc.context_mark
        line = src.first_line + mark.line if mark else src.first_line
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(src.path, line, f"invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow in a file (a control character, U+FFFE...):
        # its line, found from the character itself (libyaml counts positions in bytes).
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = src.first_line + (text.count("\n", 0, index) if index >= 0 else 0)
        raise FrontMatterError(
            src.path, line, f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML text "
            "(write it as an escape in a double-quoted string)" if isinstance(exc.character, int) else f"invalid YAML: {exc.reason}",
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(src.path, src.first_line, f"invalid YAML: {' '.join(str(exc).split())}") from None
    except _Refused:
        if not walk:
            raise
        # The walk accepted what the loader refused: cannot happen; refuse all the same.
        raise FrontMatterError(src.path, src.first_line, "invalid YAML: refused structure") from None
    except FrontMatterError:
        raise
    except (ValueError, ArithmeticError, RecursionError) as exc:
        # What the walk let through and the constructor still refused: cannot happen;
        # a refusal of this file all the same, never an error of the run.
        raise FrontMatterError(src.path, src.first_line, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    src.node, src.raw = node, data


def _key_nodes(node) -> dict:
    return {k.value: (k, v) for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}


class _Checker:
    """Validates and normalizes values, naming the file, line and field on failure."""

    def __init__(self, src: Source):
        self.src = src
        self.warnings: list[str] = []  # what was kept but looks odd (shown at -v 2)

    def fail(self, node, fld, message):
        if isinstance(node, tuple):  # (mapping node, key): looked up only when needed
            node = _key_nodes(node[0]).get(node[1], (None, None))[1]
        line = self.src.line_of(node) if node is not None else None
        raise FrontMatterError(self.src.path, line, message, field=fld)

    def value(self, kind, value, node, fld, limit=None):
        if value is None:
            return None
        if kind in ("str", "text"):
            if isinstance(value, bool):
                value = self.bool_text(value, node, fld)
            if not isinstance(value, str):
                self.fail(node, fld, f"expected a string, got {_show(value)}")
            if limit and len(value) > limit:
                self.fail(node, fld, f"longer than {limit} characters")
            if "\x00" in value:
                self.fail(node, fld, NUL_MESSAGE)
            return value
        if kind == "int":
            if isinstance(value, float) and value.is_integer() and not isinstance(value, bool):
                value = int(value)  # quality: 50.0 is 50 (the file keeps its text)
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(node, fld, f"expected an integer, got {_show(value)}")
            if not -(2**31) <= value < 2**31:
                self.fail(node, fld, f"integer out of range: {value}")
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                self.fail(node, fld, f"expected true or false, got {_show(value)}")
            return value
        if kind == "datetime":
            if isinstance(value, str) and not value.strip():
                return None  # "" for a date: no date (the file keeps its "")
            if fld in DAY_FIELDS:
                day = as_day(value)
                if day is not None:
                    return day
            return self.datetime(value, node, fld)
        if kind == "url":
            if not isinstance(value, str):
                self.fail(node, fld, f"expected a URL, got {_show(value)}")
            problem = url_problem(value)
            if problem:
                self.fail(node, fld, problem)
            if value != value.strip() or _SPACE.search(value) or not value.isascii():
                self.warnings.append(f"{self.src.path}: {fld}: URL kept as written: {_show(value)}")
            return value
        if kind == "domain":
            if not isinstance(value, str) or not DOMAIN_RE.match(value):
                self.fail(node, fld, f"not a domain name: {_show(value)}")
            return value
        raise AssertionError(kind)

    def bool_text(self, value, node, fld):
        """A YAML boolean written plainly where text is expected (``title: yes``, YAML 1.1's
        yes/no/on/off): the text as written, which is what the site shows."""
        if isinstance(node, tuple):
            node = _key_nodes(node[0]).get(node[1], (None, None))[1]
        if isinstance(node, yaml.ScalarNode) and not node.style and node.tag == "tag:yaml.org,2002:bool" and (
            self.src.yaml_lines[node.start_mark.line][node.start_mark.column:].startswith(node.value)  # (not !!bool)
        ):
            return node.value
        self.fail(node, fld, f"expected a string, got {_show(value)}")

    def datetime(self, value, node, fld):
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
            except ValueError:
                self.fail(node, fld, f"expected an ISO 8601 date and time, got {_show(value)}")
        else:
            self.fail(node, fld, f"expected an ISO 8601 date and time, got {_show(value)}")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            # Outside the years 1 to 9999 once in UTC (0001-01-01T00:00:00+05:00): no
            # date column can hold it, so the value is kept as written, with the keys
            # Newsroom has no column for (see documents.article_rows).
            return value

    def fields(self, table, raw: dict, node, prefix: str) -> dict:
        """Normalize the known keys of ``raw`` per ``table``; other keys stay as they are."""
        out = {}
        for key, value in raw.items():
            spec = table.get(key)
            if spec is not None:
                value = self.value(spec[1], value, (node, key), prefix + key, *spec[2:])
                if value is None:
                    continue
            out[key] = value
        return out

    def mapping(self, value, node, fld):
        if not isinstance(value, dict):
            self.fail(node, fld, f"expected a mapping, got {_show(value)}")
        return value

    def sequence(self, value, node, fld):
        if not isinstance(value, list):
            self.fail(node, fld, f"expected a list, got {_show(value)}")
        return value

    def list_of(self, value, node, fld, each):
        value = self.sequence(value, node, fld)
        items = node.value if isinstance(node, yaml.SequenceNode) else [None] * len(value)
        return [each(v, n, f"{fld}[{i}]") for i, (v, n) in enumerate(zip(value, items))]

    def images(self, value, node, fld):
        def one(v, n, f):
            self.mapping(v, n, f)
            out = self.fields(IMAGE_FIELDS, v, n, f + ".")
            if "url" not in out:
                self.fail(n, f + ".url", "an image needs a url")
            return out

        return self.list_of(value, node, fld, one)

    def strings(self, value, node, fld):
        return self.list_of(value, node, fld, lambda v, n, f: self.value("str", v, n, f, 200) if v is not None else self.fail(n, f, "expected a string, got null"))

    def item_provider(self, value, node, fld):
        self.mapping(value, node, fld)
        out = self.fields(ITEM_PROVIDER_FIELDS, value, node, fld + ".")
        nodes = _key_nodes(node)
        if "images" in out:
            out["images"] = self.images(out["images"], nodes["images"][1], fld + ".images")
            if not out["images"]:
                del out["images"]
        if "authors" in out:
            out["authors"] = self.sequence(out["authors"], nodes["authors"][1], fld + ".authors")
            if not out["authors"]:
                del out["authors"]
        return out

    def related(self, value, node, fld):
        def one(v, n, f):
            self.mapping(v, n, f)
            out = self.fields(RELATED_FIELDS, v, n, f + ".")
            nodes = _key_nodes(n)
            if "provider" in out:
                out["provider"] = self.item_provider(out["provider"], nodes["provider"][1], f + ".provider")
            if "images" in out:
                out["images"] = self.images(out["images"], nodes["images"][1], f + ".images")
            return out

        return self.list_of(value, node, fld, one)


# Date fields where a day alone means the whole day (an event ending 2026-05-01 is on
# until that day is over): the document holds the date; documents.article_rows stores
# the end of that day in the site's time zone.
DAY_FIELDS = frozenset({"endDateTime"})


def as_day(value) -> dt.date | None:
    """``value`` as a day when it is one (a YAML date, or the text of one), else None."""
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _show(value) -> str:
    text = repr(value) if not isinstance(value, (dt.date, dt.datetime)) else value.isoformat()
    return text if len(text) <= 60 else text[:57] + "..."


_SPACE = re.compile(r"\s")
MAX_URL_BYTES = 2000
NUL_MESSAGE = "contains a NUL character (\\0), which databases cannot store in a text column"
# What browsers strip from both ends of a URL (C0 controls and space), and remove from
# anywhere in it (tab, line feed, carriage return), before reading its scheme.
_URL_TRIM = "".join(chr(c) for c in range(0x21))
_URL_REMOVED = str.maketrans("", "", "\t\n\r")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
URL_SCHEMES = ("http", "https")


def trim_url(value: str) -> str:
    """``value`` as a browser reads it: no C0 control or space at either end, no tab or
    line break anywhere."""
    return value.strip(_URL_TRIM).translate(_URL_REMOVED)


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads in ``value`` (lower case), None for a relative URL."""
    match = _URL_SCHEME.match(trim_url(value))
    return match.group(1).lower() if match else None


def url_problem(value: str) -> str | None:
    """Why ``value`` cannot be kept as a URL, or None.

    Only dangerous URLs are refused: those with a scheme other than http(s)
    (``javascript:``, ``data:``, ``file:``, ``vbscript:``, ...), read the way a browser
    reads them (``" \\tjava\\nscript:"`` is ``javascript:``). Anything else (spaces,
    surrounding whitespace, IDN hosts, odd characters, relative paths) is a real-world
    URL and is kept exactly as written; pages, feeds and the API render it
    percent-encoded (``output.display_url``).
    """
    if len(value) * 4 > MAX_URL_BYTES and len(value.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        return f"URL longer than {MAX_URL_BYTES} bytes"
    if "\x00" in value:
        return NUL_MESSAGE
    if value.startswith(("https://", "http://", "/")):  # most URLs: no scheme to read
        return None
    scheme = url_scheme(value)
    if scheme is not None and scheme not in URL_SCHEMES:
        return f"not an http(s) or site-relative URL: {_show(value)}"
    return None


def valid_url(value: str) -> bool:
    return url_problem(value) is None


def normalize_article(src: Source, c: "_Checker | None" = None) -> dict:
    c = c or _Checker(src)
    nodes = _key_nodes(src.node)
    doc = c.fields(ARTICLE_FIELDS, src.raw, src.node, "")

    def node_of(key):
        return nodes[key][1]

    if "provider" in doc:
        doc["provider"] = c.item_provider(doc["provider"], node_of("provider"), "provider")
    for key, check in (("topics", c.strings), ("images", c.images), ("related", c.related)):
        if key in doc:
            doc[key] = check(doc[key], node_of(key), key)
            if not doc[key]:
                del doc[key]
    # Links of other collections (an event's or a person's website, an event's location
    # when it is a link) are shown and served like any URL field: the same policy.
    for key in ("website", "location"):
        value = src.raw.get(key) if key in nodes else None
        if not isinstance(value, str):
            continue
        problem = url_problem(value)
        if key == "location" and url_scheme(value) not in LINK_SCHEMES_REFUSED:
            continue  # a place ("Online: Teams", "Seattle, WA"), not a link
        if problem:
            c.fail(node_of(key), key, problem)
    return doc


# Schemes that make a link run code or read local data: a free-text value (an event's
# location) is refused only when it starts with one of these.
LINK_SCHEMES_REFUSED = {"javascript", "vbscript", "data", "file", "blob"}


def normalize_provider(src: Source, c: "_Checker | None" = None) -> dict:
    c = c or _Checker(src)
    doc = c.fields(PROVIDER_FIELDS, src.raw, src.node, "")
    nodes = _key_nodes(src.node)
    if "domain" not in doc:
        raise FrontMatterError(src.path, src.first_line, "a provider needs a domain", field="domain")
    if "images" in doc:
        doc["images"] = c.images(doc["images"], nodes["images"][1], "images")
    return doc


def normalize_topic(src: Source, c: "_Checker | None" = None) -> dict:
    c = c or _Checker(src)
    doc = c.fields(TOPIC_FIELDS, src.raw, src.node, "")
    nodes = _key_nodes(src.node)
    if "name" not in doc:
        raise FrontMatterError(src.path, src.first_line, "a topic needs a name", field="name")
    if "_id" not in doc:  # a topic's identity is its _id, else the slug of its name
        doc = {"_id": topic_slug(doc["name"]), **doc}
    elif not re.fullmatch(r"[-a-zA-Z0-9_]+", doc["_id"]):
        raise FrontMatterError(src.path, src.line_of(nodes["_id"][1]), f"not a slug: {_show(doc['_id'])}", field="_id")
    for key in ("keywords", "hashtags"):  # lists of anything: kept as they are (JSON)
        if key in doc:
            c.sequence(doc[key], nodes[key][1], key)
    if "services" in doc:
        c.mapping(doc["services"], nodes["services"][1], "services")
    return doc


def topic_slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)[:100] or "topic-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


NORMALIZERS = {"article": normalize_article, "provider": normalize_provider, "topic": normalize_topic}


@dataclass
class Parsed:
    """A file read and validated: what the importer needs, and what render() needs."""

    kind: str  # article, provider or topic
    source: Source
    doc: dict
    sha: str
    warnings: list = field(default_factory=list)  # values kept that look odd (-v 2)

    @property
    def body(self) -> str:
        return self.source.body

    @property
    def digest(self) -> str:
        return digest(self.doc, self.body)


def parse(path: str, data: bytes, kind: str, *, max_bytes: int = 2 * 1024 * 1024) -> Parsed:
    """Read one file of ``kind`` ('article', 'provider' or 'topic'), or raise FrontMatterError."""
    return parse_text(path, decode(path, data, max_bytes), kind, sha256(data))


def parse_text(path: str, text: str, kind: str, sha: str) -> Parsed:
    """``parse()`` of a file already decoded (``sha``: the SHA-256 of its bytes)."""
    front = has_front_matter(text)
    src = split(path, text, "yaml" if kind == "topic" and not front else "frontmatter")
    if src.kind == "frontmatter" and not front:
        raise FrontMatterError(path, 1, "no front matter (the file must start with a '---' line)")
    load(src)
    checker = _Checker(src)
    return Parsed(kind, src, NORMALIZERS[kind](src, checker), sha, checker.warnings)


def parse_source(src_text: str, path: str, kind: str) -> Source:
    """Re-read a stored source text (already validated once) for rendering."""
    src = split(path, src_text, "yaml" if kind == "topic" and not has_front_matter(src_text) else "frontmatter")
    load(src)
    return src


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------
def _json_default(value):
    if isinstance(value, dt.datetime):
        return timestamp_text(value, utc=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value))


# json.dumps() with these options builds an encoder per call; the digest of every item
# of an export uses this one (the same text: documents hold no cycles to check for).
_DIGEST_JSON = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, default=_json_default, allow_nan=True, check_circular=False,
)


def digest(doc: dict, body: str = "") -> str:
    """A fingerprint of a document's data (not of its formatting).

    The JSON of the data, keys sorted. Mappings whose keys JSON cannot sort or hold
    (keys of mixed types, dates) are written as sorted lists of typed pairs instead.
    """
    try:
        blob = _DIGEST_JSON.encode([doc, body])
    except TypeError:
        blob = _DIGEST_JSON.encode([_canonical(doc), body])
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(value):
    """``value`` with every mapping that has keys other than strings made a list of
    ``[type, key, value]`` triples in a fixed order (for the digest only)."""
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {k: _canonical(v) for k, v in value.items()}
        pairs = [_canonical_key(k) + [_canonical(v)] for k, v in value.items()]
        return {"<typed keys>": sorted(pairs, key=lambda p: (p[0], p[1]))}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _canonical_key(key) -> list:
    if isinstance(key, Key):
        kind, text = _canonical_key(key.value)
        return ["Key:" + kind, text]
    return [type(key).__name__, _DIGEST_JSON.encode(key)]


def timestamp_text(value: dt.datetime, *, utc: bool = False) -> str:
    """A datetime as YAML and ISO 8601 text that reads back as the same value.

    Aware values in UTC end in ``Z`` (the format's style); other offsets are kept
    (``-05:00``), and naive values stay naive. ``utc``: aware values are written in UTC
    (the digest's form since the first release), when the year allows it.
    """
    offset = value.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        return value.isoformat()  # not a YAML offset (hours and minutes): Python's text
    if offset and utc:
        try:
            value = value.astimezone(UTC)
            offset = dt.timedelta(0)
        except OverflowError:  # 0001-01-01T00:00:00+05:00 has no UTC form: its own offset
            pass
    text = value.strftime("%Y-%m-%dT%H:%M:%S") if value.year >= 1000 else value.isoformat(timespec="seconds")[:19]
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def iso(value: dt.datetime) -> str:
    """An aware datetime in UTC, ``2024-01-02T03:04:05Z`` (the format's dates)."""
    return timestamp_text(value, utc=True)


def same(a, b) -> bool:
    """Equal as data, and of the same types (1 is not True, 1 is not 1.0, a date is
    not its text; keys too)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return False
        if not all(type(k) is str for k in a) and {(type(k), k) for k in a} != {(type(k), k) for k in b}:
            return False
        return all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


def changes(old: dict, new: dict) -> dict:
    """Field-level differences: {key: (old, new)} for keys whose data differ."""
    out = {}
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if not same(a, b):
            out[key] = (a, b)
    return out


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------
class Style:
    """How a file writes things: quoting by key path, indentation, blank lines."""

    def __init__(self, node=None, fallback: "Style | None" = None):
        self.by_path: dict[tuple, str | None] = {}
        self.by_key: dict[str, str | None] = {}
        self.seq_offset: int | None = None  # a block sequence's dash, right of its key
        self.seq_gap: int | None = None  # an item's text, right of its dash ("- x": 2)
        self.map_indent: int | None = None  # a nested mapping's keys, right of its key
        self.quoting: set = set()  # the styles of the file's one-line text values
        self.blank_between_blocks: bool | None = None
        self.fallback = fallback
        if node is not None:
            self._learn(node, (), 0)

    def _learn(self, node, path, key_col, under_key=False):
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:str" or node.style:
                self.by_path.setdefault(path, node.style or None)
                if path and isinstance(path[-1], str):
                    self.by_key.setdefault(path[-1], node.style or None)
                if node.style not in ("|", ">"):
                    self.quoting.add(node.style or None)
            return
        if isinstance(node, yaml.SequenceNode):
            if not node.flow_style and node.value and path:
                if self.seq_offset is None and under_key:
                    self.seq_offset = max(0, node.start_mark.column - key_col)
                if self.seq_gap is None:
                    self.seq_gap = max(2, node.value[0].start_mark.column - node.start_mark.column)
            for item in node.value:
                self._learn(item, path + ("*",), node.value[0].start_mark.column)
            return
        if under_key and not node.flow_style and node.value and self.map_indent is None:
            self.map_indent = max(1, node.value[0][0].start_mark.column - key_col)
        for k, v in node.value:
            self._learn(v, path + (k.value,), k.start_mark.column, v.start_mark.line > k.start_mark.line)

    def scalar_style(self, path: tuple) -> str | None | bool:
        """'"', "'", None (plain) or False (unknown)."""
        generic = tuple("*" if isinstance(p, int) else p for p in path)
        if generic in self.by_path:
            return self.by_path[generic]
        if len(self.quoting) == 1:
            # A file that writes all its text one way (all plain, all '...', all "..."):
            # a key it never had is written that way too.
            return next(iter(self.quoting))
        if self.fallback is not None:
            found = self.fallback.scalar_style(path)
            if found is not False:
                return found
        if generic and generic[-1] in self.by_key:
            return self.by_key[generic[-1]]
        return False

    @property
    def seq(self) -> int:
        if self.seq_offset is not None:
            return self.seq_offset
        return self.fallback.seq if self.fallback else 2

    @property
    def gap(self) -> int:
        if self.seq_gap is not None:
            return self.seq_gap
        return self.fallback.gap if self.fallback else 2

    @property
    def indent(self) -> int:
        if self.map_indent is not None:
            return self.map_indent
        return self.fallback.indent if self.fallback else 2


_NEWS_STYLE: Style | None = None


def news_style() -> Style:
    global _NEWS_STYLE
    if _NEWS_STYLE is None:
        _NEWS_STYLE = Style(yaml.compose(NEWS_STYLE_TEMPLATE, Loader=SafeLoader))
        _NEWS_STYLE.blank_between_blocks = True
    return _NEWS_STYLE


_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@` \t")
_ESCAPES = {"\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
            "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
            "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}


def _unprintable(ch: str) -> bool:
    """Characters YAML text cannot hold raw (outside its printable set, or read as a line
    break or a stream's byte-order mark): they are written as double-quoted escapes."""
    code = ord(ch)
    return (code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF)
            or ch in "\u2028\u2029\ufeff")


def double_quoted(text: str) -> str:
    out = []
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is None and _unprintable(ch):
            esc = f"\\x{ord(ch):02X}" if ord(ch) <= 0xFF else f"\\u{ord(ch):04X}"
        out.append(esc or ch)
    return '"' + "".join(out) + '"'


def single_quoted(text: str) -> str | None:
    """``text`` in single quotes, or None when it holds a character single quotes cannot
    carry (no escapes there: DEL, C1 controls and NEL, U+FFFE/U+FFFF, surrogates, line
    and paragraph separators would make the file unreadable or read back changed)."""
    if any(_unprintable(ch) for ch in text):
        return None
    return "'" + text.replace("'", "''") + "'"


def plain(text: str) -> str | None:
    """``text`` as a plain YAML scalar, or None when it would not read back as itself."""
    if not text or text != text.strip() or text[0] in _PLAIN_BAD_START:
        return None
    if "\n" in text or "\r" in text or ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        return None
    if not text.isprintable():  # controls, U+2028, a BOM (read as a stream's start at a line's start)
        return None
    try:
        back = yaml.load("k: " + text, Loader=SafeLoader)
    except (yaml.YAMLError, ValueError, ArithmeticError):  # (2024-02-30 is no date, nor plain text)
        return None
    return text if isinstance(back, dict) and back.get("k") == text and isinstance(back["k"], str) else None


def scalar(value, style) -> str:
    """One scalar as YAML text, in ``style`` where the value allows it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        return mantissa + ("e" + exponent if exponent else "")
    if isinstance(value, dt.datetime):
        return timestamp_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if style == "'":
        quoted = single_quoted(text)
        if quoted is not None:
            return quoted
    if style is None or style is False:
        as_plain = plain(text)
        if as_plain is not None:
            return as_plain
    return double_quoted(text)


# Keys whose value is read as a date whether it is quoted or not.
DATE_KEYS = {key for key, (_attr, kind, *_rest) in {**ARTICLE_FIELDS, **RELATED_FIELDS}.items() if kind == "datetime"}


def block_scalar(text: str, style: str, indent: int) -> list[str] | None:
    """``text`` as a literal (``|``) or folded (``>``) block, its lines at ``indent``: the
    header, then the lines. None when the block would not read back as ``text`` (a
    folded block is written only for one line: folding would need blank lines)."""
    content = text.rstrip("\n")
    trailing = len(text) - len(content)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    if not content or (style == ">" and "\n" in content) or content[0] in " \t" or not all(
        ch.isprintable() or ch in "\n\t" for ch in content
    ):
        return None
    lines = [(" " * indent + ln) if ln else "" for ln in content.split("\n")] + [""] * (trailing - 1)
    header = style + chomp
    try:
        back = yaml.load("k: " + header + "\n" + "\n".join(lines) + "\n", Loader=SafeLoader)
    except yaml.YAMLError:
        return None
    return [header] + lines if isinstance(back, dict) and back.get("k") == text else None


def key_text(key) -> str:
    """A mapping key as YAML text that reads back as the same key (of the same type)."""
    if isinstance(key, str):
        return plain(key) or double_quoted(key)
    if isinstance(key, Key):
        return key_text(key.value)
    return scalar(key, None)


# What may precede a key on its line: indentation, sequence dashes, an explicit key's '?'.
_KEY_PREFIX = re.compile(r"[ \t]*(?:-[ \t]+)*(\?[ \t]+)?")

# YAML reads a key written in line ("key: value") only up to 1024 characters; longer
# keys are written as explicit keys ("? key" then ": value").
MAX_INLINE_KEY = 1000


def key_value(knode):
    """The key a key node holds once read (``1`` for ``1:``, a date for ``2019-12-08:``)."""
    if knode.tag == _STR:
        return knode.value
    return _SCALARS[knode.tag](_CONSTRUCTOR, knode)


def mapping_keys(node) -> list:
    """The keys of a mapping node as the loader holds them (see ``mapping_key()``)."""
    seen: dict = {}
    return [mapping_key(key_value(k), seen) for k, _v in node.value]


class Writer:
    """Writes documents as block YAML lines, copying unchanged parts from a source."""

    def __init__(self, style: Style, source_lines: list[str] | None = None):
        self.style = style
        self.lines = source_lines or []

    # ---- fresh rendering (no source text for this value) ----
    def fresh_entry(self, key, value, indent, path) -> list[str]:
        pad = " " * indent
        k = key_text(key)
        head = [f"{pad}{k}:"]
        seq_indent = indent + self.style.seq
        if len(k) > MAX_INLINE_KEY:
            head = [f"{pad}? {k}", f"{pad}:"]
            seq_indent = indent + 2
        if isinstance(value, (dict, list)) and value:
            return head + self.fresh_block(value, indent, seq_indent, path)
        head[-1] += " " + self.fresh_flow_or_scalar(value, path)
        return head

    def fresh_block(self, value, indent, seq_indent, path) -> list[str]:
        """The lines below ``key:`` of a mapping or a list (not empty) written anew."""
        if isinstance(value, dict):
            return [line for ck, cv in value.items() for line in self.fresh_entry(ck, cv, indent + self.style.indent, path + (ck,))]
        return self.fresh_seq(value, seq_indent, path)

    def fresh_flow_or_scalar(self, value, path):
        if isinstance(value, dict):
            return "{}"
        if isinstance(value, list):
            return "[]"
        return scalar(value, self.style.scalar_style(path))

    def fresh_seq(self, items, dash_col, path, gap=None) -> list[str]:
        out = []
        for i, item in enumerate(items):
            out += self.fresh_item(item, dash_col, path + (i,), gap)
        return out

    def fresh_item(self, item, dash_col, path, gap=None, style=False) -> list[str]:
        """One sequence item, its dash at ``dash_col`` and its text ``gap`` columns
        right of it (the sequence's own "-   " or the file's, else "- ")."""
        gap = gap or self.style.gap
        pad, col = " " * dash_col, dash_col + gap
        if isinstance(item, dict) and item:
            lines = []
            for j, (ck, cv) in enumerate(item.items()):
                entry = self.fresh_entry(ck, cv, col, path + (ck,))
                if j == 0:
                    entry[0] = pad + "-" + entry[0][dash_col + 1:]
                lines += entry
            return lines
        if isinstance(item, list) and item:
            inner = self.fresh_seq(item, col, path)
            inner[0] = pad + "-" + inner[0][dash_col + 1:]
            return inner
        text = self.fresh_flow_or_scalar(item, path) if style is False or isinstance(item, (dict, list)) else scalar(item, style)
        return [pad + "-" + " " * (gap - 1) + text]

    # ---- patching (a source exists for this value) ----
    def span(self, start, end) -> tuple[list[str], list[str]]:
        """Lines [start, end) split into content and the trailing blank/comment lines."""
        chunk = self.lines[start:end]
        cut = len(chunk)
        while cut > 0 and (not chunk[cut - 1].strip() or chunk[cut - 1].lstrip().startswith("#")):
            cut -= 1
        return chunk[:cut], chunk[cut:]

    def key_at(self, k) -> tuple[int, int, bool] | None:
        """(line, column, explicit) where the entry of key node ``k`` starts: the key
        itself, in line ("key: value", its ':' on its line), or the '?' of an explicit key
        ("? key" then ": value"; the key may span lines, as long keys and block keys do).
        None for a key the writer cannot place (an alias, a '?' alone on its line...)."""
        line = k.start_mark.line
        if line >= len(self.lines):
            return None
        text = self.lines[line]
        match = _KEY_PREFIX.fullmatch(text[: k.start_mark.column])
        if match is None:
            return None
        if match.group(1):
            return line, match.start(1), True
        if k.end_mark.line != line or k.start_mark.index == k.end_mark.index:
            return None
        if not text[k.end_mark.column:].lstrip(" \t").startswith(":"):
            return None
        return line, k.start_mark.column, False

    def regular(self, node) -> bool:
        """Whether block mapping ``node`` is one the writer patches line by line: every key
        placed by ``key_at()`` on a line of its own (after its indentation, or a
        sequence's dash), in the order of the lines. Others are written anew."""
        if node.flow_style:
            return False
        last = -1
        for k, _v in node.value:
            at = self.key_at(k)
            if at is None or at[0] <= last:
                return False
            last = at[0]
        return True

    def mapping(self, node, old: dict, new: dict, end: int, path, order=None) -> list[str]:
        """The lines of block mapping ``node`` (ending before line ``end``) holding ``new``."""
        if not self.regular(node):
            keys = [k for k in old if k in new] + [k for k in new if k not in old]
            indent = node.start_mark.column if not path or isinstance(path[-1], int) else None
            indent = indent if indent is not None else (node.value[0][0].start_mark.column if node.value else 0)
            return [line for key in keys for line in self.fresh_entry(key, new[key], indent, path + (key,))]
        entries = list(node.value)
        places = [self.key_at(k) for k, _ in entries]
        starts = [place[0] for place in places] + [end]
        by_key = {}
        for i, ((k, v), key) in enumerate(zip(entries, mapping_keys(node))):
            content, trailer = self.span(starts[i], starts[i + 1])
            by_key[key] = (k, v, content, trailer)
        indent = places[0][1] if entries else 0
        kept = [k for k in by_key if k in new]
        result_keys = list(kept)
        for key in new:
            if key in by_key:
                continue
            result_keys.insert(self._insert_at(result_keys, key, order), key)
        blocks = []  # [key, content lines, trailer lines]
        for key in result_keys:
            if key in by_key:
                k, v, content, trailer = by_key[key]
                if key in old and same(old[key], new[key]):
                    blocks.append([key, content, trailer])
                else:
                    blocks.append([key, self.entry(k, v, content, old.get(key), new[key], indent, path + (key,)), trailer])
            else:
                blocks.append([key, self.fresh_entry(key, new[key], indent, path + (key,)), None])
        # Separators: removed keys hand theirs on; new keys borrow their neighbour's.
        removed_trailers = {}
        prev_key = None
        for key in by_key:
            if key not in new and prev_key is not None:
                removed_trailers.setdefault(prev_key, []).append(by_key[key][3])
            if key in new:
                prev_key = key
        for block in blocks:
            if block[2] is not None and not block[2] and block[0] in removed_trailers:
                block[2] = list(max(removed_trailers[block[0]], key=len))
        for i, block in enumerate(blocks):
            if block[2] is None:
                block[2] = self._new_trailer(blocks, i, path)
        out = []
        for _key, content, trailer in blocks:
            out += content + trailer
        return out

    def _insert_at(self, keys, key, order):
        if not order or key not in order:
            return len(keys)
        rank = order.index(key)
        pos = 0
        for i, existing in enumerate(keys):
            if existing in order and order.index(existing) < rank:
                pos = i + 1
        return pos

    def _new_trailer(self, blocks, i, path):
        """Blank line after a new top-level key, the way the file separates blocks."""
        if path or not self.style.blank_between_blocks:
            return []
        key = blocks[i][0]
        if i and i == len(blocks) - 1 and blocks[i - 1][2] is not None:
            # A key added at the end takes over how the last one ended (no blank line
            # before the closing '---' where there was none) and is set apart as usual.
            prev = blocks[i - 1]
            taken = list(prev[2])
            if key in BLOCK_KEYS and not any(not line.strip() for line in prev[2]):
                prev[2] = prev[2] + [""]
            return taken
        if key in BLOCK_KEYS:
            return [""]
        # A scalar inserted before a block key takes over the blank line before it.
        if i + 1 < len(blocks) and blocks[i + 1][0] in BLOCK_KEYS and i > 0:
            prev = blocks[i - 1]
            if prev[2] and prev[0] not in BLOCK_KEYS:
                taken, prev[2] = prev[2], []
                return taken
        return []

    def entry(self, knode, vnode, content, old, new, indent, path) -> list[str]:
        """The lines of one ``key: value`` whose value changed: the key's lines as they
        are (an explicit key's too: "? key" then ": value"), then the value."""
        key = path[-1]
        start, col, explicit = self.key_at(knode)
        end = start + len(content)
        if explicit:
            colon = self._colon_line(knode, vnode, col, end)
            if colon is None:  # "? key" alone: a null value
                head, lead, key_line, block_value = list(content), " " * col + ":", None, False
            else:
                head, lead, key_line = self.lines[start:colon], self.lines[colon][: col + 1], self.lines[colon]
                block_value = vnode.start_mark.line > colon
        else:
            line = self.lines[start]
            head, key_line = [], content[0]
            lead = " " * indent + line[knode.start_mark.column:knode.end_mark.column] + ":"
            block_value = vnode.start_mark.line > start
        if (
            block_value and isinstance(old, dict) and isinstance(new, dict) and new
            and isinstance(vnode, yaml.MappingNode) and self.regular(vnode)
        ):
            return head + [key_line] + self.mapping(vnode, old, new, end, path, NESTED_ORDER.get(path[-1]) if len(path) == 1 else None)
        if (
            block_value and isinstance(old, list) and isinstance(new, list) and new
            and isinstance(vnode, yaml.SequenceNode) and not vnode.flow_style
        ):
            return head + [key_line] + self.sequence(vnode, old, new, end, path)
        if isinstance(new, (dict, list)) and new:
            if not explicit:
                return self.fresh_entry(key, new, indent, path)
            return head + [lead] + self.fresh_block(new, indent, indent + 2, path)
        was_text = isinstance(vnode, yaml.ScalarNode) and (vnode.tag == "tag:yaml.org,2002:str" or vnode.style)
        style = (vnode.style or None) if was_text else self.style.scalar_style(path)
        if style in ("|", ">") and isinstance(new, str):
            shown = [ln for ln in content[len(head) + 1:] if ln.strip()]  # the block's lines as they were
            block = block_scalar(new, style, len(shown[0]) - len(shown[0].lstrip(" ")) if shown else indent + self.style.indent)
            if block is not None:
                return head + [lead + " " + block[0]] + block[1:]
        if was_text and style in ("'", '"') and isinstance(new, dt.date) and key in DATE_KEYS:
            # A date written in quotes ("2024-01-01T08:00:00Z") stays in quotes.
            text = timestamp_text(new) if isinstance(new, dt.datetime) else new.isoformat()
            return head + [lead + " " + (single_quoted(text) if style == "'" else double_quoted(text))]
        value = self.fresh_flow_or_scalar(new, path) if isinstance(new, (dict, list)) else scalar(new, style)
        return head + [lead + " " + value]

    def _colon_line(self, knode, vnode, col, end) -> int | None:
        """The line of an explicit key's ': ' (at the column of its '?'), or None."""
        for i in range(knode.end_mark.line, min(vnode.start_mark.line, end - 1) + 1):
            text = self.lines[i]
            if text[col:col + 1] == ":" and not text[:col].strip() and text[col + 1:col + 2] in ("", " ", "\t"):
                return i
        return None

    def sequence(self, node, old: list, new: list, end: int, path) -> list[str]:
        items = node.value
        dash_col = node.start_mark.column if items else self.style.seq
        gap = max(2, items[0].start_mark.column - dash_col) if items else None
        starts = [it.start_mark.line for it in items] + [end]
        if any(
            not self.lines[it.start_mark.line][: it.start_mark.column].rstrip().endswith("-")
            for it in items
        ):
            return self.fresh_seq(new, max(dash_col, 0), path)
        out = []
        for i, item in enumerate(new):
            if i < len(items):
                content, trailer = self.span(starts[i], starts[i + 1])
                if i < len(old) and same(old[i], item):
                    out += content + trailer
                    continue
                if (
                    i < len(old) and isinstance(item, dict) and isinstance(old[i], dict) and item
                    and isinstance(items[i], yaml.MappingNode) and self.regular(items[i])
                    and all(k.start_mark.line > items[i].start_mark.line or j == 0 for j, (k, _) in enumerate(items[i].value))
                ):
                    order = NESTED_ORDER.get(path[-1]) if path and isinstance(path[-1], str) else None
                    end_line = starts[i] + len(content)
                    sub = self.mapping(items[i], old[i], item, end_line, path + (i,), order)
                    out += self._dash(sub, dash_col) + trailer
                    continue
                # A changed text item keeps its own quoting, as a changed value does.
                was_text = isinstance(items[i], yaml.ScalarNode) and (items[i].tag == _STR or items[i].style)
                style = (items[i].style or None) if was_text and items[i].style not in ("|", ">") else False
                out += self.fresh_item(item, dash_col, path + (i,), gap, style) + trailer
            else:
                out += self.fresh_item(item, dash_col, path + (i,), gap)
        return out

    @staticmethod
    def _dash(lines, dash_col):
        if not lines:
            return lines
        first = lines[0]
        return [" " * dash_col + "-" + first[dash_col + 1:]] + lines[1:]


# Line breaks to YAML 1.1 (libyaml) that are not line ends of the file's lines.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]|\r(?!\n)")


def render(src: Source, doc: dict, body: str, old: dict) -> str:
    """``doc`` written in ``src``'s style: unchanged data keeps its lines exactly.

    ``old`` is the normalized document ``src`` holds (what parse() returned for it).
    """
    if same(old, doc) and body == src.body:
        return src.text
    style = Style(src.node, fallback=news_style())
    style.blank_between_blocks = any(not ln.strip() for ln in src.yaml_lines) or not src.yaml_lines
    writer = Writer(style, src.yaml_lines)
    node = src.node
    first = min(node.value[0][0].start_mark.line if node.value else len(src.yaml_lines), len(src.yaml_lines))
    preamble = src.yaml_lines[:first]
    raw_old = {k: old.get(k, src.raw.get(k)) for k in src.raw}
    # Keys present in the file but normalized away (null values, empty lists) count as
    # unchanged while the new document does not have them either.
    new = dict(doc)
    for key, value in src.raw.items():
        if key not in doc and key not in old:
            new[key] = value
            raw_old[key] = value
    order = NEWS_ORDER if src.kind == "frontmatter" else None
    # (The YAML of a CRLF file ends with the CR of its last line: the closing line's LF
    # was split off with the closing line.)
    raw = src.yaml_raw or ""
    odd_breaks = _ODD_BREAKS.search(raw, 0, len(raw) - 1 if raw.endswith("\r") else len(raw))
    if odd_breaks or not writer.regular(node):
        # The whole front matter in one flow mapping ({title: a, ...}), keys the writer
        # does not patch line by line ("? key"), or line breaks YAML counts and the lines
        # of the file do not (NEL, U+2028, U+2029 written as they are, a lone CR): written
        # anew, block style, in its order.
        keys = [k for k in src.raw if k in new] + [k for k in new if k not in src.raw]
        preamble = [] if odd_breaks else src.yaml_lines[: node.start_mark.line]
        return _assemble(src.bom, src.prefix_lines, preamble + [
            line for key in keys for line in writer.fresh_entry(key, new[key], 0, (key,))
        ], src.suffix, body, src.newline)
    lines = preamble + writer.mapping(node, raw_old, new, len(src.yaml_lines), (), order)
    return _assemble(src.bom, src.prefix_lines, lines, src.suffix, body, src.newline)


def render_new(doc: dict, body: str = "", *, kind: str = "frontmatter") -> str:
    """A document with no source file, in the news style."""
    style = news_style()
    writer = Writer(style)
    order = NEWS_ORDER if kind == "frontmatter" else None
    keys = sorted(doc, key=lambda k: order.index(k) if order and k in order else len(order or []) + list(doc).index(k))
    lines: list[str] = []
    for i, key in enumerate(keys):
        if kind == "frontmatter" and i > 0 and key in BLOCK_KEYS:
            lines.append("")
        lines += writer.fresh_entry(key, doc[key], 0, (key,))
    if kind == "yaml":
        return "\n".join(lines) + ("\n" if lines else "")
    return _assemble("", ["---"], lines, "---\n", body, "\n")


def _assemble(bom, prefix_lines, yaml_lines, suffix, body, newline) -> str:
    if not prefix_lines:  # plain YAML: suffix is the final line ending, if the file had one
        return bom + newline.join(yaml_lines) + (newline if suffix else "")
    head = "".join(line + newline for line in prefix_lines)
    middle = "".join(line + newline for line in yaml_lines)
    if newline == "\r\n" and suffix.endswith("\n") and not suffix.endswith("\r\n"):
        suffix = suffix[:-1] + "\r\n"
    return bom + head + middle + suffix + body
