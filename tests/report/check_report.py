#!/usr/bin/env python3
"""check_report.py PAGE [--layer NAME]... [--section ID]... [--curves-min N] [--text STR]...
[--absent STR]...: checks a `tune report` page's structure with html.parser: every non-void
element closed in order, no script, no external resource (src, href, @import, url()), the
given sections (by id) and layer names in the per-layer table, at least N curve lines, the
given texts present and others absent in the raw page. Prints each failure; exits 1 on any."""
import argparse
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SVG_SELF_CLOSING = {"rect", "polyline", "line", "circle", "path"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids = [], [], set()
        self.polylines = 0
        self.scripts = 0
        self.layer_cells = []  # first cell of each row of the table after h2#layers
        self.section = None
        self.in_first_td = False
        self.td_index = -1
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "h2":
            self.section = a.get("id")
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            if k in a:
                self.errors.append(f"external resource: <{tag} {k}={a[k]!r}>")
        if tag == "polyline":
            self.polylines += 1
        if tag == "tr":
            self.td_index = -1
        if tag == "td":
            self.td_index += 1
            self.in_first_td = self.section == "layers" and self.td_index == 0
            self.text = []
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and tag not in SVG_SELF_CLOSING:
            self.errors.append(f"<{tag}/> self-closed at line {self.getpos()[0]}")
        a = dict(attrs)
        if tag == "polyline":
            self.polylines += 1
        for k in ("src", "href"):
            if k in a:
                self.errors.append(f"external resource: <{tag} {k}={a[k]!r}>")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append(f"</{tag}> at line {self.getpos()[0]} closes nothing")
            return
        open_tag, pos = self.stack.pop()
        if open_tag != tag:
            self.errors.append(f"</{tag}> at line {self.getpos()[0]} closes <{open_tag}> of "
                               f"line {pos[0]}")
        if tag == "td" and self.in_first_td:
            self.layer_cells.append("".join(self.text).strip())
            self.in_first_td = False

    def handle_data(self, data):
        if self.in_first_td:
            self.text.append(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--layer", action="append", default=[])
    ap.add_argument("--section", action="append", default=[])
    ap.add_argument("--curves-min", type=int, default=0)
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--absent", action="append", default=[])
    o = ap.parse_args()
    raw = open(o.page, encoding="utf-8").read()
    c = Checker()
    c.feed(raw)
    c.close()
    errors = list(c.errors)
    if c.stack:
        errors.append("unclosed: " + ", ".join(f"<{t}> of line {p[0]}" for t, p in c.stack))
    if not raw.lstrip().lower().startswith("<!doctype html>"):
        errors.append("no <!DOCTYPE html>")
    if c.scripts:
        errors.append(f"{c.scripts} <script> elements")
    for bad in ("@import", "url("):
        if bad in raw:
            errors.append(f"external resource: {bad}")
    for s in o.section:
        if s not in c.ids:
            errors.append(f"section id={s!r} missing")
    for name in o.layer:
        if name not in c.layer_cells:
            errors.append(f"layer {name!r} not in the per-layer table (has {c.layer_cells})")
    if c.polylines < o.curves_min:
        errors.append(f"{c.polylines} curve lines, expected at least {o.curves_min}")
    for t in o.text:
        if t not in raw:
            errors.append(f"text {t!r} missing")
    for t in o.absent:
        if t in raw:
            errors.append(f"text {t!r} present")
    for e in errors:
        print(f"check_report: {o.page}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
