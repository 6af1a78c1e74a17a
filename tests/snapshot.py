"""What a report says, as text: its recorded JSON and CSV files, and the visible text of every page.

Used by ``test_before_layout.py`` to check that moving code changed no answer.
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

STORED = Path(__file__).resolve().parent / "data" / "before_layout"


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles or images; one line per block."""

    _SKIP = {"script", "style"}
    _BLOCK = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "br", "section", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK or tag in ("td", "th"):
            self.parts.append("\n" if tag in self._BLOCK else " | ")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def snapshot(report: Path, *, replace: dict[str, str] | None = None) -> dict[str, str]:
    """Relative path -> text, for every recorded file and page of one report folder."""
    found = {}
    for path in sorted(report.rglob("*")):
        if path.suffix not in (".json", ".csv", ".html") or "notebooks" in path.relative_to(report).parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = page_text(text)
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        found[path.relative_to(report).as_posix()] = text
    return found
