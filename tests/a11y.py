"""Form controls without a programmatic label (WCAG 1.3.1 / 4.1.2): no <label for>, no
wrapping <label>, no aria-label or aria-labelledby."""
from html.parser import HTMLParser


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.controls, self.label_for, self.in_label = [], set(), 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type") in ("hidden", "submit", "button", "image", "reset"):
                return
            if "__prefix__" in (a.get("name") or ""):
                return  # the template row inlines copy when adding one
            labelled = bool(self.in_label or a.get("aria-label") or a.get("aria-labelledby") or a.get("title"))
            self.controls.append((a.get("name"), a.get("id"), labelled))

    def handle_endtag(self, tag):
        if tag == "label" and self.in_label:
            self.in_label -= 1


def unlabelled_controls(html: str) -> list:
    parser = _Controls()
    parser.feed(html)
    return [name for name, id_, labelled in parser.controls if not labelled and (not id_ or id_ not in parser.label_for)]
