"""Markdown loader: YAML front matter -> metadata, #-headings -> sections (markdown-it-py)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from medcite.core.errors import CorruptDocumentError
from medcite.core.text import METADATA_FIELDS
from medcite.core.types import Block, DocumentMetadata, ParsedDocument
from medcite.ingest.loaders.text import read_utf8
from medcite.ingest.normalize import clean_inline

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def split_front_matter(path: Path, text: str) -> tuple[dict[str, object], str]:
    """The YAML front matter as a mapping, and the Markdown body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        # Aliases (&a / *a) are refused: nested ones expand exponentially once the values are
        # turned into strings (a "billion laughs" front matter), and metadata never needs them.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(match.group(1))):
            raise CorruptDocumentError(
                str(path), "front matter uses YAML aliases (*name); write the values out in full"
            )
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CorruptDocumentError(str(path), f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptDocumentError(str(path), "front matter must be a YAML mapping")
    return data, text[match.end() :]


def _plain(token: Token) -> str:
    """Inline token -> plain text (markup dropped, link text kept)."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


class MarkdownLoader:
    format: str = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")

    def load(self, path: Path) -> ParsedDocument:
        front, body = split_front_matter(path, read_utf8(path))
        tokens = MarkdownIt("commonmark").enable("table").parse(body)
        headings: dict[int, str] = {}
        blocks: list[Block] = []
        doc_title = ""
        list_depth = 0
        ordered_counters: list[int | None] = []
        row: list[str] = []
        pending_heading: int | None = None
        in_table = False
        for tok in tokens:
            if tok.type == "heading_open":
                pending_heading = int(tok.tag[1])
            elif tok.type == "inline" and pending_heading is not None:
                text = clean_inline(_plain(tok))
                if pending_heading == 1 and not doc_title:
                    doc_title = text
                headings = {k: v for k, v in headings.items() if k < pending_heading}
                headings[pending_heading] = text
                pending_heading = None
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                list_depth += 1
                start = tok.attrGet("start")
                ordered_counters.append(
                    (int(start) if start else 1) if tok.type == "ordered_list_open" else None
                )
            elif tok.type in ("bullet_list_close", "ordered_list_close"):
                list_depth -= 1
                ordered_counters.pop()
            elif tok.type in ("table_open", "table_close"):
                in_table = tok.type == "table_open"
            elif tok.type == "tr_open":
                row = []
            elif tok.type == "tr_close":
                if any(row):
                    blocks.append(Block(" | ".join(c for c in row if c), _path(headings)))
            elif tok.type == "inline" and in_table:
                row.append(clean_inline(_plain(tok)))
            elif tok.type == "inline":
                text = clean_inline(_plain(tok))
                if not text:
                    continue
                if list_depth:
                    counter = ordered_counters[-1]
                    marker = "-" if counter is None else f"{counter}."
                    if counter is not None:
                        ordered_counters[-1] = counter + 1
                    text = f"{'  ' * (list_depth - 1)}{marker} {text}"
                blocks.append(Block(text, _path(headings)))
            elif tok.type in ("fence", "code_block"):
                blocks.append(Block(tok.content.strip(), _path(headings)))
        str_front = {k: str(v) for k, v in front.items() if v is not None}
        return ParsedDocument(
            metadata=DocumentMetadata(
                title=str_front.get("title") or doc_title or path.stem,
                developer=str_front.get("developer", ""),
                released=str_front.get("released", ""),
                source=str_front.get("source", ""),
                copyright=str_front.get("copyright", ""),
                extra={k: v for k, v in str_front.items() if k not in METADATA_FIELDS},
            ),
            blocks=blocks,
            format=self.format,
        )


def _path(headings: dict[int, str]) -> tuple[str, ...]:
    # The level-1 heading is the title, so section paths start at level 2.
    return tuple(headings[k] for k in sorted(headings) if k > 1)
