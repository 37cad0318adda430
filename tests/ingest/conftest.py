"""Hostile-input builders shared by the ingest tests: a PDF decompression bomb, a sparse file.

Built in the test run (no fixture files); each stays small on disk whatever it inflates to.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest


def _bomb_pdf(inflated_mb: int = 100, pages: int = 1) -> bytes:
    """A valid PDF of ~0.1 MB per 100 MB inflated: one FlateDecode content stream of spaces,
    shared by every page, so a reader that skips a bad page meets the bomb again on the next."""
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    stream = b"".join(comp.compress(block) for _ in range(inflated_mb)) + comp.flush()
    font_id, content_id = 3 + pages, 4 + pages
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        *[
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
            f"<< /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode()
            for _ in range(pages)
        ],
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _sparse_file(path: Path, size: int) -> Path:
    """A file of `size` NUL bytes that takes no disk space (what `truncate -s 300M` makes)."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


class Hostile:
    """`bomb_pdf(inflated_mb, pages)`: a decompression bomb; `sparse(path, size)`: NUL bytes."""

    bomb_pdf = staticmethod(_bomb_pdf)
    sparse = staticmethod(_sparse_file)


@pytest.fixture(scope="session")
def hostile() -> Hostile:
    return Hostile()
