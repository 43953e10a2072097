"""The parser's fast path (libyaml's composer, our own resolver and builder) gives the
data PyYAML's safe loader gives, for the real corpus and for generated YAML."""
import datetime as dt
import os

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from articles import frontmatter as fm

from .conftest import SITE, require


def parsed(text: str):
    src = fm.split("x.yml", text, "yaml")
    fm.load(src)
    return src.raw


def safe(text: str):
    return yaml.load(text, Loader=yaml.CSafeLoader) or {}


def test_every_corpus_front_matter_parses_as_the_safe_loader_does():
    require(SITE.is_dir(), f"shared corpus not found at {SITE}")
    count = 0
    for folder, _dirs, files in os.walk(SITE):
        for name in files:
            if not name.endswith((".md", ".yml", ".yaml", ".html")):
                continue
            with open(os.path.join(folder, name), encoding="utf-8-sig") as handle:
                text = handle.read()
            if text.startswith("---"):
                try:
                    text = fm.split(name, text, "frontmatter").yaml_lines
                except fm.FrontMatterError:
                    continue
                text = "\n".join(text)
            try:
                expected = safe(text)
            except yaml.YAMLError:
                continue
            if not isinstance(expected, dict):
                continue
            try:
                ours = parsed(text)
            except fm.FrontMatterError:  # refused on purpose (merge keys...): tested elsewhere
                continue
            assert ours == expected, name
            count += 1
    assert count > 1400


# Plain scalars that the resolver must tell apart: booleans, nulls, numbers of every
# notation, timestamps, and strings that only look like them.
TRICKY = [
    "yes", "No", "on", "OFF", "true", "False", "y", "n", "~", "null", "Null", "", "0", "-0", "+12", "0o17",
    "0x1F", "1_000", "1e3", "6.02e+23", ".5", "-.inf", ".NaN", "2024-01-02", "2024-01-02T03:04:05Z",
    "2024-01-02 03:04:05.5 +02:00", "12:30:00", "1:20", "0b101", "=", "<<x", "-", "a: b", "#x", "x #y",
]
scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.datetimes(timezones=st.just(dt.timezone.utc)),
    st.dates(),
)
# Keys written "<<" are merge keys to YAML 1.1 and refused by the parser (tested with
# the other refusals): not generated here.
keys = st.text(min_size=1, max_size=12).filter(lambda key: key != "<<")
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)
documents = st.dictionaries(keys, values, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans())
def test_generated_yaml_parses_as_the_safe_loader_does(doc, flow):
    text = yaml.safe_dump(doc, allow_unicode=True, default_flow_style=flow, sort_keys=False)
    assert parsed(text) == safe(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="abcxyz_", min_size=1, max_size=6), st.sampled_from(TRICKY)), max_size=8))
def test_plain_scalars_written_by_hand_resolve_as_the_safe_loader_resolves_them(pairs):
    keys = set()
    lines = []
    for key, value in pairs:
        if key not in keys:
            keys.add(key)
            lines.append(f"{key}: {value}")
    text = "\n".join(lines)
    try:
        expected = safe(text)
    except yaml.YAMLError:
        return
    assert parsed(text) == expected
