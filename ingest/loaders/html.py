"""HTML loader: sections from h1-h4, lists and tables flattened to readable text.

Guideline summaries often mark sub-sections with a paragraph that is entirely bold,
italic or underlined ("Evidence Statements Regarding Anticonvulsants: Gabapentin"); such a
short paragraph is treated as one more heading level so chunks carry a precise section.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag

from medcite.core.errors import CorruptDocumentError
from medcite.core.types import Block, DocumentMetadata, ParsedDocument
from medcite.ingest.loaders.text import read_utf8
from medcite.ingest.normalize import clean_inline, unescape_twice

_HEADING_LEVEL = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 5}
_PSEUDO_LEVEL = 6
_SKIP = {"script", "style", "noscript", "template", "head", "nav", "svg", "button", "form"}
_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "br",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "i",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
    "font",
    "del",
    "ins",
    "img",
}
_STYLED = {"strong", "b", "em", "i", "u"}
_META_FIELDS = {
    "developer": "developer",
    "author": "developer",
    "dc.creator": "developer",
    "released": "released",
    "date": "released",
    "dc.date": "released",
    "citation_publication_date": "released",
    "source": "source",
    "citation": "source",
    "copyright": "copyright",
    "dc.rights": "copyright",
    "title": "title",
    "dc.title": "title",
    "citation_title": "title",
}


# what a walk frame asks the walker to do next: walk a container, or a list at a depth
_Frame = tuple[Literal["node", "list"], Tag, int]


def _inline_text(node: Tag | NavigableString) -> str:
    if isinstance(node, NavigableString):
        return str(node)
    for br in node.find_all("br"):
        br.replace_with(" ")
    return node.get_text("")


def _is_pseudo_heading(p: Tag) -> bool:
    """A short paragraph whose whole text sits inside bold/italic/underline markup."""
    text = clean_inline(p.get_text(""))
    if not text or len(text) > 160 or text.endswith((".", ":", ";", ",")):
        return False
    styled = ""
    for el in p.find_all(True):
        style = str(el.get("style", ""))
        if el.name in _STYLED or "underline" in style or "bold" in style:
            styled = clean_inline(el.get_text(""))
            break
    return styled == text


class _Walker:
    """Depth-first walk that emits blocks in reading order under a heading stack.

    The walk keeps its own stack of generators (one per open container) instead of recursing,
    so markup nested thousands deep (5,000 <div>s) cannot raise RecursionError; Python's stack
    depth stays constant whatever the nesting.
    """

    def __init__(self) -> None:
        self.headings: dict[int, str] = {}
        self.blocks: list[Block] = []
        self.title = ""

    def section(self) -> tuple[str, ...]:
        # h1 is the document title, so section paths start at h2.
        return tuple(self.headings[lvl] for lvl in sorted(self.headings) if lvl > 1)

    def set_heading(self, level: int, text: str) -> None:
        if not text:
            return
        if level == 1 and not self.title:
            self.title = text
        self.headings = {lvl: t for lvl, t in self.headings.items() if lvl < level}
        self.headings[level] = text

    def emit(self, text: str, prefix: str = "") -> None:
        text = clean_inline(text)
        if text:
            self.blocks.append(Block(text=prefix + text, section=self.section()))

    def walk(self, node: Tag) -> None:
        """Walk `node`; a frame yields the nested containers it wants walked, in order."""
        stack: list[Iterator[_Frame]] = [self._container(node)]
        while stack:
            frame = next(stack[-1], None)
            if frame is None:
                stack.pop()
            elif frame[0] == "list":
                stack.append(self._list(frame[1], frame[2]))
            else:
                stack.append(self._container(frame[1]))

    def _container(self, node: Tag) -> Iterator[_Frame]:
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                self.emit("".join(buffer))
                buffer.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # skip comments, doctype, CDATA
                    buffer.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            name = child.name
            if name in _INLINE:
                buffer.append(_inline_text(child))
                continue
            flush()
            if name in _HEADING_LEVEL:
                self.set_heading(_HEADING_LEVEL[name], clean_inline(child.get_text(" ")))
            elif name == "p":
                if _is_pseudo_heading(child):
                    self.set_heading(_PSEUDO_LEVEL, clean_inline(child.get_text("")))
                else:
                    self.emit(_inline_text(child))
            elif name in ("ul", "ol"):
                yield ("list", child, 0)
            elif name == "table":
                self.walk_table(child)
            elif name == "dl":
                for item in child.find_all(["dt", "dd"], recursive=False):
                    self.emit(_inline_text(item))
            elif name == "pre":
                self.emit(child.get_text(""))
            else:
                yield ("node", child, 0)
        flush()

    def _list(self, lst: Tag, depth: int) -> Iterator[_Frame]:
        ordered = lst.name == "ol"
        for i, li in enumerate(lst.find_all("li", recursive=False), start=1):
            marker = f"{i}." if ordered else "-"
            parts: list[str] = []
            nested: list[Tag] = []
            for child in li.children:
                if isinstance(child, Tag) and child.name in ("ul", "ol", "table"):
                    nested.append(child)
                elif isinstance(child, Tag | NavigableString):
                    if isinstance(child, Tag) and child.name in _SKIP:
                        continue
                    parts.append(_inline_text(child) if isinstance(child, Tag) else str(child))
            self.emit(" ".join(parts), prefix=f"{'  ' * depth}{marker} ")
            for sub in nested:
                if sub.name == "table":
                    self.walk_table(sub)
                else:
                    yield ("list", sub, depth + 1)

    def walk_table(self, table: Tag) -> None:
        caption = table.find("caption")
        if caption:
            self.emit(caption.get_text(" "))
        for row in table.find_all("tr"):
            cells = [clean_inline(c.get_text(" ")) for c in row.find_all(["th", "td"], recursive=False)]
            cells = [c for c in cells if c]
            if cells:
                self.emit(" | ".join(cells))


class HtmlLoader:
    format: str = "html"
    extensions: tuple[str, ...] = (".html", ".htm", ".xhtml")

    def load(self, path: Path) -> ParsedDocument:
        try:
            return self._load(path)
        except RecursionError as exc:  # a safety net: the walk itself no longer recurses
            raise CorruptDocumentError(
                str(path), "markup is nested too deeply to parse; simplify or re-export the page"
            ) from exc

    def _load(self, path: Path) -> ParsedDocument:
        text = read_utf8(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            try:
                soup = BeautifulSoup(text, "lxml")
            except RecursionError:
                raise
            except Exception as exc:  # lxml raises assorted types on garbage
                raise CorruptDocumentError(str(path), f"cannot parse HTML: {exc}") from exc
        meta: dict[str, str] = {}
        extra: dict[str, str] = {}
        for tag in soup.find_all("meta"):
            name = str(tag.get("name") or tag.get("property") or "").strip().lower()
            content = tag.get("content")
            if not name or content is None:
                continue
            value = clean_inline(unescape_twice(str(content)))
            field = _META_FIELDS.get(name)
            if field and field not in meta:
                meta[field] = value
            else:
                extra[name] = value
        walker = _Walker()
        root = soup.body or soup
        walker.walk(root)
        title_tag = soup.find("title")
        title = meta.get("title") or (clean_inline(title_tag.get_text()) if title_tag else "")
        title = title or walker.title or path.stem
        return ParsedDocument(
            metadata=DocumentMetadata(
                title=title,
                developer=meta.get("developer", ""),
                released=meta.get("released", ""),
                source=meta.get("source", ""),
                copyright=meta.get("copyright", ""),
                extra=extra,
            ),
            blocks=walker.blocks,
            format=self.format,
        )
