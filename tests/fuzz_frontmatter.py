#!/usr/bin/env python3
"""``make fuzz``: coverage-guided fuzzing (atheris, libFuzzer) of the parser, the writer and
the storage codec, from raw bytes.

Hypothesis (tests/test_generative.py) writes well-formed YAML and runs it through the
importer and exporter; libFuzzer mutates bytes and follows the branches they reach in
the parser (libyaml's errors, the checks, the constructors), which finds what no
generator thinks of. For every input:

- ``parse()`` raises nothing but ``FrontMatterError``;
- what it accepts survives the storage codec (``documents.to_json``/``from_json``), has
  a digest, comes back byte for byte from ``render()`` unchanged, written anew by
  ``render_new()`` reads back as the same data, and so does an edit ``render()`` writes
  in the file's own style.

    .venv/bin/python tests/fuzz_frontmatter.py FOLDER -max_total_time=300

FOLDER is libFuzzer's working corpus; ``make fuzz`` seeds it with the hostile fixtures.
"""
import datetime as dt
import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

with atheris.instrument_imports(include=["articles", "yaml"]):
    from articles import documents
    from articles import frontmatter as fm

KINDS = ("article", "provider")


def check(data: bytes) -> None:
    for kind in KINDS:
        try:
            parsed = fm.parse("_news/x.md", data, kind)
        except fm.FrontMatterError:
            continue
        doc = parsed.doc
        back = documents.from_json(documents.to_json(doc))
        assert fm.same(back, doc), (doc, back)
        assert fm.digest(back, parsed.body) == parsed.digest
        assert fm.render(parsed.source, doc, parsed.body, doc) == parsed.source.text
        text = fm.render_new(doc, parsed.body)
        again = fm.parse("_news/x.md", text.encode("utf-8"), kind)
        assert fm.same(again.doc, doc), (text, doc, again.doc)
        assert again.body == parsed.body
        # An edit, written in the file's own style, reads back as the edited data.
        edited = {**doc, "zzFuzz": {1: [fm.NAN, "x\x01"], "k": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))}}
        patched = fm.render(parsed.source, edited, parsed.body, doc)
        assert fm.same(fm.parse("_news/x.md", patched.encode("utf-8"), kind).doc, edited), patched


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
