"""A form posted back exactly as a browser would, from the page's HTML (the HTML form
submission algorithm, for the controls the desk renders).

A test that builds the post from the form's Python values (``form[name].value()``) skips
what a browser does to them: a textarea drops the newline after its start tag and sends
CRLF line ends, a text input drops line breaks from its value, a select with nothing
selected sends its first option, disabled and unchecked controls send nothing, and only
the clicked button is sent. Those are what made an untouched save rewrite items.
"""
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.depth = 0
        self.fields = []  # (name, value) in document order
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if a.get("id") == self.form_id:
                self.inside = True
            return
        if not self.inside:
            return
        if "disabled" in a:
            if tag == "select":
                self._select = {"name": None, "options": [], "multiple": False}
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if not name or kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
                return
            value = a.get("value", "")
            if kind not in ("hidden",):
                value = value.replace("\r", "").replace("\n", "")  # the value sanitization algorithm
            self.fields.append((name, value))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], []]
        elif tag == "select":
            self._select = {"name": a.get("name"), "options": [], "multiple": "multiple" in a}
        elif tag == "option" and self._select is not None:
            self._select["options"].append([a.get("value"), "selected" in a, []])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._select is not None and self._select["options"]:
            self._select["options"][-1][2].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            if text.startswith("\r\n"):  # the parser drops one line break after <textarea>
                text = text[2:]
            elif text.startswith("\n") or text.startswith("\r"):
                text = text[1:]
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
            self.fields.append((name, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select = self._select
            self._select = None
            if not select["name"]:
                return
            options = [(v if v is not None else "".join(t).strip(), sel) for v, sel, t in select["options"]]
            chosen = [v for v, sel in options if sel]
            if not select["multiple"]:
                chosen = chosen[-1:] or [v for v, _ in options[:1]]
            self.fields.extend((select["name"], v) for v in chosen)


def browser_post_data(html, form_id, button=None):
    """{name: value or [values]} that submitting form ``form_id`` sends, ``button``
    ((name, value)) being the one clicked."""
    parser = _FormParser(form_id)
    parser.feed(html if isinstance(html, str) else html.decode())
    data = {}
    for name, value in parser.fields + ([button] if button else []):
        data.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}


def browser_data_from_forms(form, formsets=()):
    """What a browser sends for ``form`` and the inline ``formsets`` (their management
    forms included), from the widgets' own contexts, without rendering the page: the same
    values the templates put in the HTML (``Widget.get_context``), control characters
    stripped as every desk page strips them, then what the browser does to each control
    (see the module docstring). Fast enough for every item of a site."""
    from articles.output import printable

    data = {}

    def put(name, value):
        data.setdefault(name, []).append(value)

    def control(widget_context):
        sub = widget_context.get("subwidgets")
        if sub:
            for w in sub:
                control(w)
            return
        name = widget_context["name"]
        attrs = widget_context.get("attrs") or {}
        if attrs.get("disabled"):
            return
        if "optgroups" in widget_context:
            options = [o for _group, opts, _i in widget_context["optgroups"] for o in opts]
            chosen = [str(o["value"]) for o in options if o["selected"]]
            if not widget_context.get("allow_multiple_selected"):
                chosen = chosen[-1:] or [str(o["value"]) for o in options[:1]]
            for v in chosen:
                put(name, "" if v == "None" else printable(v))
            return
        kind = widget_context.get("type")
        template = widget_context.get("template_name", "")
        value = widget_context.get("value")
        if kind == "checkbox":
            if attrs.get("checked"):
                put(name, "on" if value in (None, "", True) else str(value))
            return
        if kind == "file":
            return
        text = printable("" if value is None else str(value))
        if template.endswith("textarea.html"):
            put(name, text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n"))
        elif kind == "hidden":
            put(name, text)
        else:
            put(name, text.replace("\r", "").replace("\n", ""))

    def each_form(f):
        for bound in f:  # as BoundField.as_widget renders it
            widget = bound.field.widget
            if widget.__class__.__name__ == "RelatedFieldWidgetWrapper":
                widget = widget.widget  # the wrapper renders the wrapped widget, and links
            control(widget.get_context(bound.html_name, bound.value(), bound.build_widget_attrs({}, widget))["widget"])

    each_form(form)
    for formset in formsets:
        each_form(formset.management_form)
        for f in formset.forms:
            each_form(f)
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
