"""Issue 9, generated: front matter written from arbitrary safe YAML, run through the real
importer and exporter.

Each example is a YAML node tree (keys of every scalar type, values of every safe type
including timestamps with odd offsets and years, random nesting, every quoting and
collection style, odd whitespace) serialized by PyYAML's emitter, sometimes with the
format's own keys given odd values. Whatever it holds:

- the import never raises: each file is created or fails on its own, with a message
  naming it (``path:line: ...``), and the dry run said the same beforehand;
- a file that imports exports byte for byte, the document rebuilt from the rows is the
  one the file holds, and the same document written anew reads back as itself;
- a file that is refused leaves the database as it was.

``make test`` runs a few hundred examples; ``make fuzz`` many more (NEWSROOM_FUZZ_EXAMPLES).
"""
import datetime as dt
import os
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from articles import frontmatter as fm
from articles.exporter import export_site
from articles.importer import current_article_state, import_paths
from articles.models import Article, Provider, Topic

from .helpers import db_state

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("NEWSROOM_FUZZ_EXAMPLES", "300"))
STR = "tag:yaml.org,2002:str"
RESOLVER = yaml.resolver.Resolver()

# Plain scalars of every type YAML 1.1 resolves, and strings that only look like them.
TRICKY = [
    "yes", "No", "on", "OFF", "true", "False", "~", "null", "Null", "", "0", "-0", "+12", "0o17", "0x1F", "1_000",
    "1:20", "190:20:30", "1e3", "6.02e+23", ".5", "-.inf", ".NaN", ".Inf", "3.", "0.0", "-0.0", "1.0",
    "2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05.5 +02:00", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "2001-12-15 2:59:43.10", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
    "2024-02-30", "0000-01-01", "2024-01-01T00:00:00+25:00", "1" + "0" * 5000,
    "12:30:00", "=", "<<x", "-", "a: b", "#x", "x #y", "@at", "`tick", "%pct", "!bang", "*star", "&amp",
    "http://example.com/a b", " javascript:alert(1)", "\tjava\nscript:x", "/site/relative path", "//cdn.example/x",
    "https://bücher.example/straße",
]
characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
# Characters YAML cannot hold raw (DEL, C1 controls, NEL, U+FFFE/U+FFFF, separators, BOM)
# come often: the writer must escape them in every style. (Lone surrogates are left
# out: libyaml refuses even their escapes, so no file can carry one.)
texts = st.text(characters, max_size=20) | st.text(
    st.sampled_from("ab \t\n\r\x01\x7f\x80\x85\x9f\u2028\u2029\ufeff\ufffe\uffff'\"\\:#-"), max_size=12)


@st.composite
def timestamps(draw):
    moment = draw(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
    text = moment.strftime("%Y-%m-%d") if moment.year >= 1000 else moment.isoformat()[:10]
    if draw(st.booleans()):
        return text  # a date
    sep = draw(st.sampled_from(["T", "t", " ", "  "]))
    text += f"{sep}{moment.hour}:{moment.minute:02d}:{moment.second:02d}" if draw(st.booleans()) else \
        f"{sep}{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    if draw(st.booleans()):
        text += "." + draw(st.text("0123456789", min_size=1, max_size=9))
    zone = draw(st.sampled_from(["", "Z", "z", "+05:00", "-05", " -5", "+00:00", "-23:59", "+14:30"]))
    return text + zone


def scalar_node(text, quoted):
    """A scalar node of the tag the text resolves to (plain), or a string (quoted)."""
    if quoted:
        return yaml.ScalarNode(STR, text, style=quoted)
    return yaml.ScalarNode(RESOLVER.resolve(yaml.ScalarNode, text, (True, False)), text, style=None)


styles = st.sampled_from([None, None, None, "'", '"', "|", ">"])
scalar_texts = st.sampled_from(TRICKY) | texts | timestamps() | st.integers().map(str) | st.floats().map(repr)
scalars = st.builds(scalar_node, scalar_texts, styles)
keys = st.builds(scalar_node, scalar_texts.filter(lambda t: t != "<<"), st.sampled_from([None, None, "'", '"']))


def mapping(pairs, flow):
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=flow)


def sequence(items, flow):
    return yaml.SequenceNode("tag:yaml.org,2002:seq", items, flow_style=flow)


nodes = st.recursive(
    scalars,
    lambda children: st.builds(sequence, st.lists(children, max_size=4), st.booleans())
    | st.builds(mapping, st.lists(st.tuples(keys, children), max_size=4), st.booleans()),
    max_leaves=14,
)
# The format's own keys, given values of every kind (most are refused: the wrong type).
KNOWN = ["title", "excerpt", "publishedDateTime", "updatedDateTime", "startDateTime", "webUrl", "originalUrl",
         "quality", "heat", "published", "type", "category", "provider", "topics", "images", "related", "secured"]
known_pairs = st.lists(st.tuples(st.sampled_from(KNOWN).map(lambda k: scalar_node(k, None)), nodes), max_size=3)


@st.composite
def front_matter(draw):
    pairs = draw(st.lists(st.tuples(keys, nodes), max_size=6)) + draw(known_pairs)
    root = mapping(pairs, draw(st.sampled_from([False, False, True])))
    text = yaml.serialize(
        root, Dumper=yaml.SafeDumper, allow_unicode=draw(st.booleans()), width=draw(st.sampled_from([20, 80, 10_000])),
        indent=draw(st.sampled_from([2, 3, 4])), explicit_start=False,
    )
    if draw(st.booleans()):
        text = "# a comment\n" + text + "\n"
    document = "---\n" + text + "---\n" + draw(texts)
    if draw(st.booleans()):
        document = document.replace("\n", "\r\n")
    if draw(st.booleans()):
        document = "\ufeff" + document
    return document


# Values an edit puts in the document (the key edited is one the format has no column for).
plain_values = st.one_of(
    texts, st.integers(), st.floats(), st.booleans(), st.none(), st.dates(),
    st.datetimes(timezones=st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])),
)
edit_values = st.recursive(
    plain_values,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.one_of(texts, st.integers(), st.dates(), st.booleans()), children, max_size=3),
    max_leaves=8,
)

# A string holding at least one character no YAML style but double quotes can carry.
odd_texts = st.builds(lambda a, ch, b: a + ch + b, texts, st.sampled_from("\x7f\x80\x85\x9f\u2028\u2029\ufeff\ufffe\uffff"), texts)


def outcomes(result):
    return [(f.path, f.status, tuple(f.errors)) for f in result.files]


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=front_matter(), edit=st.tuples(st.sampled_from(["zzEdited", "existing", "existing"]), edit_values | odd_texts))
def test_any_safe_yaml_front_matter_imports_and_exports_or_is_refused_cleanly(tmp_path_factory, document, edit):
    Article.objects.all().delete()
    Provider.objects.all().delete()
    Topic.objects.all().delete()
    site = tmp_path_factory.mktemp("site")
    (site / "_news").mkdir()
    data = document.encode("utf-8")
    (site / "_news" / "gen.md").write_bytes(data)
    before = db_state()
    dry = import_paths([site], root=site, dry_run=True)
    assert db_state() == before
    result = import_paths([site], root=site)
    assert outcomes(result) == outcomes(dry)
    assert len(result.files) == 1, result.files
    outcome = result.files[0]
    if outcome.status == "failed":
        assert not outcome.traceback, outcome.traceback
        (message,) = outcome.errors
        assert message.startswith("_news/gen.md:") or message.startswith("_news/gen.md: "), message
        assert db_state() == before
        return
    assert outcome.status == "created", outcome
    article = Article.objects.get()
    doc, digest_now, digest_stored = current_article_state(article.pk)
    parsed = fm.parse("_news/gen.md", data, "article")
    assert fm.same(doc, parsed.doc)
    assert digest_now == digest_stored == parsed.digest
    out = tmp_path_factory.mktemp("out")
    export_site(out, with_taxonomy=False)
    assert (out / "_news" / "gen.md").read_bytes() == data
    # Written anew (as an item created in the CMS is), it reads back as the same data.
    Article.objects.update(source_text="", source_sha="", source_digest="")
    fresh = tmp_path_factory.mktemp("fresh")
    assert export_site(fresh, with_taxonomy=False).ok
    again = fm.parse("_news/gen.md", (fresh / "_news" / "gen.md").read_bytes(), "article")
    assert fm.same(again.doc, parsed.doc)
    assert again.body == parsed.body
    # An edit, written in the file's own style, reads back as the edited data.
    key, value = edit
    unknown = [k for k in parsed.doc if k not in fm.ARTICLE_FIELDS and k not in fm.ARTICLE_STRUCTURED]
    key = unknown[0] if key == "existing" and unknown else "zzEdited"
    edited = {**parsed.doc, key: value}
    patched = fm.render(parsed.source, edited, parsed.body, parsed.doc)
    assert fm.same(fm.parse("_news/gen.md", patched.encode("utf-8"), "article").doc, edited), patched
    for folder in (site, out, fresh):
        shutil.rmtree(folder, ignore_errors=True)
