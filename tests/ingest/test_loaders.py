"""Loaders on small real files of each format, and each kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.core.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    TextDecodingError,
    UnsupportedFormatError,
)
from medcite.ingest.loaders import load_file
from medcite.ingest.loaders.pdf import strip_running_lines

HTML = """<!DOCTYPE html><html><head><title>Sample guideline</title>
<meta name="developer" content="Example Society &amp;#x27;s panel">
<meta name="released" content="2016 Mar">
<meta name="keywords" content="pain">
</head><body><article><h1>Sample guideline</h1>
<section><h2>Recommendations</h2><h3>Major Recommendations</h3>
<p><strong>Neuropathic Pain</strong></p>
<p>Gabapentin is a <em>first-line</em> option.</p>
<ul><li>Item one<ul><li>Nested item</li></ul></li><li>Item two</li></ul>
<table><tr><th>Drug</th><th>Dose</th></tr><tr><td>Gabapentin</td><td>300 mg</td></tr></table>
<h3>Date Released</h3>
2016 Mar
</section></article><script>var x = 1;</script></body></html>"""


def test_html_sections_lists_tables_and_meta(tmp_path: Path) -> None:
    path = tmp_path / "sample.html"
    path.write_text(HTML)
    doc = load_file(path)
    assert doc.metadata.title == "Sample guideline"
    assert doc.metadata.developer == "Example Society 's panel"  # double-escaped entity undone
    assert doc.metadata.released == "2016 Mar"
    assert doc.metadata.extra["keywords"] == "pain"
    by_text = {b.text: b.section for b in doc.blocks}
    assert by_text["Gabapentin is a first-line option."] == (
        "Recommendations",
        "Major Recommendations",
        "Neuropathic Pain",
    )
    assert "- Item one" in by_text and "  - Nested item" in by_text
    assert "Drug | Dose" in by_text and "Gabapentin | 300 mg" in by_text
    assert by_text["2016 Mar"] == ("Recommendations", "Date Released")
    assert not any("var x" in t for t in by_text)


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: My note\ndeveloper: Me\nreleased: 2020\nid_hint: x\n---\n"
        "# Heading one\n\nIntro para.\n\n## Part A\n\n- bullet **bold** [link](http://x)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n### Deeper\n\nDeep text.\n"
    )
    doc = load_file(path)
    assert (doc.metadata.title, doc.metadata.developer, doc.metadata.released) == ("My note", "Me", "2020")
    assert doc.metadata.extra == {"id_hint": "x"}
    pairs = [(b.text, b.section) for b in doc.blocks]
    assert ("Intro para.", ()) in pairs
    assert ("- bullet bold link", ("Part A",)) in pairs
    assert ("1 | 2", ("Part A",)) in pairs
    assert ("Deep text.", ("Part A", "Deeper")) in pairs


def test_pdf_pages_and_running_headers(tmp_path: Path, pdfs) -> None:  # type: ignore[no-untyped-def]
    drugs = ["gabapentin", "pregabalin", "duloxetine", "venlafaxine", "amitriptyline"]
    pages = [
        [
            "Journal of Tests / Vol 1",
            f"Opening words for {drug}.",
            "Middle sentence one here.",
            f"Discussion of {drug} treat-",
            f"ment choices for {drug} continue.",
            f"Closing words {drug}.",
            f"{i}",
        ]
        for i, drug in enumerate(drugs, start=1)
    ]
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdfs.text(pages))
    doc = load_file(path)
    assert [b.page for b in doc.blocks] == [1, 2, 3, 4, 5]
    assert "Discussion of duloxetine treatment choices for duloxetine continue." in doc.blocks[2].text
    assert all("Journal of Tests" not in b.text for b in doc.blocks)
    assert all(not b.text.rstrip().endswith((" 3", " 4")) for b in doc.blocks)  # page numbers gone


def test_strip_running_lines_keeps_body_text() -> None:
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    pages = [
        [f"MMWR / Vol 71 / No. 3 {i}", f"body about {w}", "US Dept", f"{i + 1}"] for i, w in enumerate(words)
    ]
    cleaned = strip_running_lines(pages)
    assert cleaned == [[f"body about {w}"] for w in words]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("corrupt.pdf", b"%PDF-1.4\n garbage \x00\x01 no objects here", CorruptDocumentError),
        ("random.pdf", bytes(range(256)) * 40, CorruptDocumentError),
        ("empty.txt", b"", EmptyDocumentError),
        ("blank.md", b"   \n\n  \n", EmptyDocumentError),
        ("latin1.txt", "caf\xe9 na\xefve".encode("latin-1"), TextDecodingError),
        ("slides.pptx", b"PK\x03\x04 not supported", UnsupportedFormatError),
        ("noext", b"some text", UnsupportedFormatError),
    ],
)
def test_bad_inputs_raise_specific_errors(tmp_path: Path, name: str, content: bytes, error: type) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as info:
        load_file(path)
    assert name in str(info.value)  # the message names the file


def test_truncated_pdf_is_corrupt(tmp_path: Path, pdfs) -> None:  # type: ignore[no-untyped-def]
    data = pdfs.text([["Some text that will be cut off."]])
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises((CorruptDocumentError, EmptyDocumentError)):
        load_file(path)


def test_encrypted_pdf(tmp_path: Path, pdfs) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "locked.pdf"
    path.write_bytes(pdfs.encrypted([["Confidential guideline text."]]))
    with pytest.raises(EncryptedDocumentError, match="password"):
        load_file(path)


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(DocumentTooLargeError, match="MEDCITE_MAX_FILE_MB"):
        load_file(path, max_bytes=100)


def test_real_html_guideline_structure(shared_corpus: Path) -> None:
    doc = load_file(shared_corpus / "guidelines" / "ngc-11313.html")
    assert doc.metadata.title.startswith("Chronic pain disorder medical treatment guideline")
    assert doc.metadata.developer.startswith("Colorado Division of Workers' Compensation")
    sections = {b.section for b in doc.blocks}
    assert ("Recommendations", "Major Recommendations") in sections
    assert any(len(s) == 3 and "Gabapentin" in s[2] for s in sections)


def test_real_pdf_outline_sections_and_clean_text(cdc_2022_pdf: Path) -> None:
    doc = load_file(cdc_2022_pdf)
    assert len({b.page for b in doc.blocks}) > 90
    sections = {b.section[0] for b in doc.blocks if b.section}
    assert {"Introduction", "Recommendations"} <= sections
    assert not any("MMWR / November 4, 2022" in b.text for b in doc.blocks)
