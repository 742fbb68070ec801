"""Plain text from resume files (PDF, DOCX) and from HTML, for the documents adapters build.

Most CRMs keep resumes as files; HrFlow.ai's documents and the local engine score text. The
readers are an optional extra (``pip install django-hrflow-matching[files]``: ``pypdf`` and
``python-docx``, both pure Python and maintained). Results are cached by the file's content
(SHA-256), so a document built again for a pull page, a sync batch or a fingerprint does not
parse the same file twice.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections import OrderedDict
from typing import Any, BinaryIO

CACHE_SIZE = 512
_cache: OrderedDict[str, str] = OrderedDict()


class UnsupportedFile(ValueError):
    """Neither a PDF nor a DOCX file (or its reader is not installed)."""


def extract(file: Any) -> str:
    """The text of a PDF or DOCX ``file`` (a path, bytes, a file object or a Django
    ``FieldFile``); "" for an empty field. Raises :class:`UnsupportedFile` for other files."""
    data = _read(file)
    if not data:
        return ""
    key = hashlib.sha256(data).hexdigest()
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    if data.startswith(b"%PDF"):
        text = _pdf(data)
    elif data.startswith(b"PK"):
        text = _docx(data)
    else:
        raise UnsupportedFile("not a PDF or DOCX file")
    text = re.sub(r"[ \t]+", " ", text).strip()
    _cache[key] = text
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return text


def _read(file: Any) -> bytes:
    if file is None or file == "":
        return b""
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if isinstance(file, str):
        with open(file, "rb") as handle:
            return handle.read()
    if hasattr(file, "name") and hasattr(file, "open") and not hasattr(file, "read"):
        return b""  # pragma: no cover - a FieldFile always has read()
    stream: BinaryIO = file
    if getattr(file, "closed", False) and hasattr(file, "open"):
        file.open("rb")
    if hasattr(stream, "seek"):
        stream.seek(0)
    data = stream.read()
    return data.encode() if isinstance(data, str) else data


def _pdf(data: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - the extra is not installed
        raise UnsupportedFile("install django-hrflow-matching[files] to read PDF") from exc
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _docx(data: bytes) -> str:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - the extra is not installed
        raise UnsupportedFile("install django-hrflow-matching[files] to read DOCX") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # a zip that is not a Word document
        raise UnsupportedFile(f"not a DOCX file ({type(exc).__name__})") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(p for p in parts if p)


_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)


def strip_html(value: str | None) -> str:
    """Text of an HTML fragment (a rich-text job description): tags out, entities decoded,
    block ends as line breaks. Plain text passes through unchanged."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return value
    text = _BLOCK.sub("\n", value)
    text = html.unescape(_TAG.sub(" ", text))
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()
