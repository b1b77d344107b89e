"""Description HTML → plain text with light markdown, deterministically.

The official definitions write their descriptions in markdown with HTML mixed
in (``<p>``, ``<br>``, ``<ul><li>``, ``<a href>``, ``<b>``, tables, entities).
:func:`to_text` turns one description into text that reads well as a
docstring and still renders as markdown:

- ``<p>``, ``<div>``, headings, tables, ``<pre>`` and ``<hr>`` are blocks,
  separated by a blank line (a single line break inside a list); ``<br>`` is a
  line break.
- ``<li>`` is ``- item`` (``1. item`` in an ``<ol>``), nested lists indented.
- ``<a href="u">t</a>`` is ``[t](u)``, ``<img>`` is ``![alt](src)``, ``<b>`` and
  ``<strong>`` are ``**bold**``, ``<i>``/``<em>`` ``*italic*``, ``<code>``
  ``\\`code\\```, ``<pre>`` a fenced block, ``<del>`` ``~~struck~~``, ``<sup>``
  ``^sup``; ``<h1>``…``<h6>`` are ``#`` headings; a table is a pipe table whose
  first row is the header; ``<blockquote>`` lines start with ``>``.
- Presentational tags (``<font>``, ``<span>``, ``<u>``, …) are dropped and keep
  their text; ``<svg>``, ``<script>``, ``<style>`` and comments are dropped
  whole. A few misspelt tags the definitions use (``<ur>``, ``<url>`` for
  ``<ul>``, ``<thread>`` for ``<thead>``) and the doc site's ``<dx-…>``
  components count as the tag they stand for when their end tag is present.
- Any other ``<Name>`` is not markup but text (``<ZoneId>``, ``<https://…>``)
  and is kept as written, as is an inline tag (``<a>``, ``<b>``, ``<code>`` …)
  whose end tag the text lacks (``<A 12-character string>``), and markdown
  code spans and fenced code blocks.
- Entities are decoded (``&lt;`` → ``<``, ``&nbsp;`` → a space).
- Whitespace: line breaks in the text are kept (it is markdown), at most one
  blank line in a row, no trailing spaces, nothing before or after the text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import attrs

_WS = re.compile(r"[ \t\n\r\f\v]+")
_WS_CHARS = " \t\n\r\f\v"
_BLANK_LINES = re.compile(r"\n{3,}")
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)
"""Markdown fenced blocks and code spans: kept exactly as written."""
_SLOT_OPEN, _SLOT_CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(f"{_SLOT_OPEN}(\\d+){_SLOT_CLOSE}")
_TAG_NAME = r"[a-zA-Z][^\t\n\r\f />\x00]*"
"""A tag name as html.parser reads it."""

_PARAGRAPHS = frozenset({"p"})
_DIVISIONS = frozenset(
    {
        "div", "section", "article", "header", "footer", "main", "nav", "aside", "figure",
        "figcaption", "details", "summary", "center", "dl", "dt", "dd", "caption", "address",
    }
)  # fmt: skip
_INLINE_MARKS = {
    "b": "**", "strong": "**", "i": "*", "em": "*", "del": "~~", "s": "~~", "strike": "~~",
}  # fmt: skip
_TRANSPARENT = frozenset(
    {
        "font", "span", "u", "small", "big", "label", "mark", "abbr", "cite", "ins", "var",
        "sub", "nobr", "q", "time", "thead", "tbody", "tfoot", "colgroup", "col", "wbr",
        "html", "body", "head", "meta", "link", "title",
    }
)  # fmt: skip
_CODE_TAGS = frozenset({"code", "tt", "kbd", "samp"})
_LISTS = frozenset({"ul", "ol", "menu"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_DROPPED = frozenset({"svg", "script", "style", "math", "template"})
_ALIASES = {"ur": "ul", "url": "ul", "thread": "thead"}
"""Misspellings seen in the definitions; applied only when the end tag is present."""
_NEEDS_END = frozenset({*_INLINE_MARKS, *_CODE_TAGS, "a", "sup"})
"""Inline tags that are markup only when the text also has their end tag:
``<A 12-character string>`` is text."""
_RAW_KINDS = frozenset({"pre", "code"})
_CONTAINER_KINDS = frozenset({"root", "cell", "quote", "heading", "pre", "code"})


@attrs.define
class _Frame:
    """Text being collected: the document, a table cell, or an element whose
    text is decorated when it closes (``**…**``, ``[…](href)``)."""

    kind: str
    tag: str = ""
    parts: list[str] = attrs.field(factory=list)
    nl: int = 0  # pending line breaks (0..2) from the text's whitespace and block tags
    brs: int = 0  # pending <br>s
    space: str = ""  # pending whitespace within a line, written as found
    lead: str = ""  # indentation after the last pending line break of the text
    tag_break: bool = False  # a tag asked for the pending break (the indentation is dropped)
    marker: str = ""  # a list marker to write before the next text
    href: str = ""

    def pending(self) -> bool:
        return bool(self.nl or self.brs or self.space or self.marker)


@attrs.define
class _List:
    ordered: bool
    count: int
    width: int  # continuation indentation of the items' text


@attrs.define
class _Table:
    depth: int  # len(frames) when the table started: a cell is the frame above
    rows: list[list[str]] = attrs.field(factory=list)
    row: list[str] | None = None


class _Converter(HTMLParser):
    def __init__(self, source: str, closed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.closed = closed  # the names of every end tag in the text
        self.frames = [_Frame("root")]
        self.lists: list[_List] = []
        self.tables: list[_Table] = []
        self.skip: list[str] = []  # open dropped elements (svg …)

    # ------------------------------------------------------------------ writing

    @property
    def top(self) -> _Frame:
        return self.frames[-1]

    def _indent(self) -> str:
        return " " * sum(lst.width for lst in self.lists)

    def _target(self) -> _Frame:
        """Where whitespace and breaks go: an empty decorated element passes them
        to its parent, so ``<b> x</b>`` is `` **x**``."""
        for frame in reversed(self.frames):
            if frame.parts or frame.kind in _CONTAINER_KINDS:
                return frame
        return self.frames[0]

    def _flush(self, frame: _Frame) -> None:
        if frame.parts:
            n = min(2, max(frame.nl, frame.brs))
            if frame.marker:
                frame.parts.append("\n" * max(n, 1) + frame.marker)
            elif n:
                lead = "" if frame.tag_break else frame.lead
                indent = "" if frame.kind == "cell" else self._indent()
                frame.parts.append("\n" * n + indent + lead)
            elif frame.space:
                frame.parts.append(frame.space)
        elif frame.marker:
            frame.parts.append(frame.marker)
        frame.nl = frame.brs = 0
        frame.space = frame.lead = frame.marker = ""
        frame.tag_break = False

    def write(self, text: str, *, reindent: bool = False) -> None:
        if not text:
            return
        frame = self.top
        if frame.kind in _RAW_KINDS:
            frame.parts.append(text)
            return
        if self.tables and len(self.frames) == self.tables[-1].depth:
            self._open_cell()  # text between cells: a cell of its own
            frame = self.top
        self._flush(frame)
        if reindent and "\n" in text:
            text = text.replace("\n", "\n" + self._indent())
        frame.parts.append(text)

    def block_break(self, n: int, *, forced: bool = False) -> None:
        if self.top.kind in _RAW_KINDS:
            if forced:
                self.top.parts.append("\n")
            return
        frame = self._target()
        if forced:
            frame.brs += 1
        else:
            frame.nl = max(frame.nl, n)
        frame.tag_break = True

    def paragraph(self) -> None:
        self.block_break(1 if self.lists else 2)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = data.replace("\xa0", " ")
        if self.top.kind in _RAW_KINDS:
            self.top.parts.append(data)
            return
        pos = 0
        for m in _WS.finditer(data):
            self.write(data[pos : m.start()])
            run = m.group()
            frame = self._target()
            if "\n" in run:
                # Line breaks in the text count (it is markdown), except beside a
                # block tag, where HTML's whitespace is only layout.
                if not (frame.tag_break and frame.nl):
                    frame.nl = max(frame.nl, min(2, run.count("\n")))
                if not frame.tag_break:
                    frame.lead = run.rsplit("\n", 1)[1]
            elif not (frame.nl or frame.brs or frame.marker):
                frame.space = frame.space or run
            pos = m.end()
        self.write(data[pos:])

    # ------------------------------------------------------------------ frames

    def _push(self, kind: str, tag: str, href: str = "") -> None:
        self.frames.append(_Frame(kind, tag, href=href))

    def _pop(self, *, decorate: bool = True) -> None:
        frame = self.frames.pop()
        text = "".join(frame.parts)
        if frame.kind == "cell":
            table = self.tables[-1]
            if table.row is None:
                table.row = []
            table.row.append(" ".join(text.split()).replace("|", "\\|"))
            return
        out, block = self._render(frame, text, decorate)
        if block:
            self.paragraph()
            self.write(out, reindent=True)
            self.paragraph()
        else:
            self.write(out)
        # What was pending at its end (a break, a space) follows it.
        parent = self._target()
        parent.nl = max(parent.nl, frame.nl)
        parent.brs += frame.brs
        parent.space = parent.space or frame.space
        parent.tag_break = parent.tag_break or frame.tag_break
        parent.marker = parent.marker or frame.marker

    def _render(self, frame: _Frame, text: str, decorate: bool) -> tuple[str, bool]:
        """(text to write into the parent, whether it is a block of its own)."""
        kind = frame.kind
        if kind == "code":
            stripped = text.strip(_WS_CHARS)
            if "\n" in stripped:
                return _fence(text), True
            if not stripped or not decorate:
                return stripped, False
            ticks = "``" if "`" in stripped else "`"
            pad = " " if ticks == "``" else ""
            return f"{ticks}{pad}{stripped}{pad}{ticks}", False
        if kind == "pre":
            return (_fence(text), True) if text.strip(_WS_CHARS) else ("", False)
        if kind == "heading":
            line = " ".join(text.split())
            if not line:
                return "", False
            return ("#" * _HEADINGS[frame.tag] + " " + line if decorate else line), True
        if kind == "quote":
            body = text.strip(_WS_CHARS)
            if not body:
                return "", False
            lines = [f"> {line}" if line else ">" for line in body.split("\n")]
            return "\n".join(lines), True
        if kind == "link":
            label = text.strip(_WS_CHARS)
            href = frame.href.strip().replace(" ", "%20")
            if not decorate or not href or href.startswith(("#", "javascript:")):
                return label, False
            if not label or label == href:
                return href, False
            return f"[{label}]({href})", False
        # inline marks
        mark = _INLINE_MARKS.get(frame.tag, "^" if frame.tag == "sup" else "")
        if not text or not decorate or "\n\n" in text:
            return text, False
        if mark == "^":
            return "^" + text, False
        return f"{mark}{text}{mark}", False

    def _close(self, kind: str, tag: str | None = None) -> bool:
        """Close the innermost open ``kind`` element (and what is open inside it)."""
        floor = self.tables[-1].depth if self.tables and kind != "table" else 1
        for i in range(len(self.frames) - 1, floor - 1, -1):
            f = self.frames[i]
            if f.kind == kind and (tag is None or f.tag == tag):
                while len(self.frames) > i:
                    self._pop()
                return True
        return False

    def _open_cell(self) -> None:
        table = self.tables[-1]
        while len(self.frames) > table.depth:
            self._pop()
        self.frames.append(_Frame("cell"))

    def _end_row(self) -> None:
        table = self.tables[-1]
        while len(self.frames) > table.depth:
            self._pop()
        if table.row is not None:
            table.rows.append(table.row)
            table.row = None

    def _end_table(self) -> None:
        self._end_row()
        table = self.tables.pop()
        rows = [r for r in table.rows if any(r)]
        if not rows:
            return
        width = max(len(r) for r in rows)
        lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
        lines.insert(1, "|" + " --- |" * width)
        self.paragraph()
        self.write("\n".join(lines), reindent=True)
        self.paragraph()

    # ------------------------------------------------------------------ tags

    def _raw(self) -> str:
        """The source text of the tag being handled."""
        line, col = self.getpos()
        start = self.line_starts[line - 1] + col
        end = self.source.find(">", start)
        return self.source[start : end + 1 if end >= 0 else len(self.source)]

    def _name(self, tag: str) -> str | None:
        """The tag this one counts as, or None when it is text, not markup."""
        if tag in _ALIASES:
            return _ALIASES[tag] if tag in self.closed else None
        if tag.startswith("dx-"):
            return "div" if tag in self.closed else None
        if tag in _NEEDS_END:
            return tag if tag in self.closed else None
        if tag in _KNOWN:
            return tag
        return None

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.append(tag)
            return
        name = self._name(tag)
        if name is None:
            self.write(self.get_starttag_text() or "")
            return
        if self.top.kind in _RAW_KINDS:
            if name == "br":
                self.top.parts.append("\n")
            return
        attrs = {k: v or "" for k, v in attrs_}
        if name in _DROPPED:
            self.skip.append(tag)
        elif name == "br":
            self.block_break(1, forced=True)
        elif name in _PARAGRAPHS:
            self.paragraph()
        elif name in _DIVISIONS:
            self.block_break(1)
        elif name == "hr":
            self.paragraph()
            self.write("---")
            self.paragraph()
        elif name in _LISTS:
            self.block_break(1)
            self.lists.append(_List(name == "ol", _start(attrs.get("start")), 2))
        elif name == "li":
            self._close("link")
            self.block_break(1)
            lst = self.lists[-1] if self.lists else None
            if lst is not None and lst.ordered:
                marker = f"{lst.count}. "
                lst.count += 1
            else:
                marker = "- "
            outer = self.lists[:-1] if lst is not None else []
            if lst is not None:
                lst.width = len(marker)
            self._target().marker = " " * sum(x.width for x in outer) + marker
        elif name in _HEADINGS:
            self.paragraph()
            self._push("heading", name)
        elif name == "blockquote":
            self.paragraph()
            self._push("quote", name)
        elif name == "pre":
            self._push("pre", name)
        elif name in _CODE_TAGS:
            self._push("code", name)
        elif name == "a":
            self._close("link")
            self._push("link", name, attrs.get("href", ""))
        elif name == "img":
            src = attrs.get("src", "").strip().replace(" ", "%20")
            if src:
                self.write(f"![{' '.join(attrs.get('alt', '').split())}]({src})")
        elif name in _INLINE_MARKS or name == "sup":
            if not any(f.tag == name for f in self.frames):
                self._push("mark", name)
        elif name == "table":
            self.paragraph()
            self.tables.append(_Table(len(self.frames)))
        elif name == "tr" and self.tables:
            self._end_row()
            self.tables[-1].row = []
        elif name in ("td", "th") and self.tables:
            self._open_cell()
        # else: transparent (font, span, thead …): the text stays, the tag goes

    def handle_startendtag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        if self.skip:
            return
        name = self._name(tag)
        if name is None or name in _VOID:
            self.handle_starttag(tag, attrs_)
        elif name in _PARAGRAPHS or name in _DIVISIONS:
            self.block_break(1)
        # <b/>, <a/> … have no text: nothing to write

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        name = self._name(tag)
        if name is None:
            self.write(self._raw())
            return
        if self.top.kind in _RAW_KINDS:
            if name == self.top.tag:
                self._pop()
            elif name == "pre":
                self._close("pre")
            return
        if name in _PARAGRAPHS:
            self.paragraph()
        elif name in _DIVISIONS:
            self.block_break(1)
        elif name in _LISTS:
            self._close("link")
            if self.lists:
                self.lists.pop()
            self.block_break(1 if self.lists else 2)
        elif name == "li":
            self._close("link")
            target = self._target()
            target.marker = ""
            self.block_break(1)
        elif name in _HEADINGS:
            self._close("heading", name)
        elif name == "blockquote":
            self._close("quote")
        elif name == "a":
            self._close("link")
        elif name in _INLINE_MARKS or name == "sup":
            self._close("mark", name)
        elif name == "table" and self.tables:
            self._end_table()
        elif name == "tr" and self.tables:
            self._end_row()
        elif name in ("td", "th") and self.tables:
            self._close("cell")

    def handle_comment(self, data: str) -> None:
        pass

    def finish(self) -> str:
        self.close()
        while len(self.frames) > 1 or self.tables:
            if self.tables and len(self.frames) <= self.tables[-1].depth:
                self._end_table()
            else:
                self._pop(decorate=False)
        return "".join(self.frames[0].parts)


_VOID = frozenset({"br", "hr", "img", "wbr", "col", "meta", "link"})
_KNOWN = (
    _PARAGRAPHS
    | _DIVISIONS
    | _TRANSPARENT
    | _CODE_TAGS
    | _LISTS
    | _DROPPED
    | _VOID
    | frozenset(_INLINE_MARKS)
    | frozenset(_HEADINGS)
    | frozenset({"li", "blockquote", "pre", "a", "sup", "table", "tr", "td", "th"})
)


def _start(value: str | None) -> int:
    try:
        return int(value or "1")
    except ValueError:
        return 1


def _fence(text: str) -> str:
    body = text.strip("\n").rstrip(_WS_CHARS)
    ticks = "````" if "```" in body else "```"
    return f"{ticks}\n{body}\n{ticks}"


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip(_WS_CHARS) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip(_WS_CHARS)


def to_text(html: str) -> str:
    """One description as plain text / light markdown (see the module docstring)."""
    text = html.replace("\r\n", "\n").replace("\r", "\n")
    slots: list[str] = []
    if _SLOT_OPEN not in text and "`" in text:

        def keep(m: re.Match[str]) -> str:
            slots.append(m.group())
            return f"{_SLOT_OPEN}{len(slots) - 1}{_SLOT_CLOSE}"

        text = _CODE.sub(keep, text)
    if "<" in text or "&" in text:
        closed = frozenset(re.findall(f"</({_TAG_NAME})", text.lower()))
        converter = _Converter(text, closed)
        converter.feed(text)
        text = converter.finish()
    else:
        text = text.replace("\xa0", " ")
    text = _tidy(text)
    if slots:
        text = _SLOT.sub(lambda m: slots[int(m.group(1))], text)
    return text
