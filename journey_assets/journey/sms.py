"""SMS encoding and segment arithmetic.

* GSM-7 (3GPP TS 23.038 / GSM 03.38): the 128-character basic set costs one septet
  per character; the extension table (``^ { } \\ [ ~ ] | €`` and form feed) costs two
  (an escape plus the character). A single-part message holds 160 septets; a
  concatenated one 153 per part (the user data header takes 7), and an escape pair
  is never split across parts.
* Any character outside GSM-7 makes the whole message UCS-2: 70 UTF-16 code units in
  one part, 67 per part when split; a surrogate pair (most emoji) costs 2 units and
  is never split.
* Twilio accepts a ``Body`` of at most 1,600 characters.

:func:`smart_encode` replaces common typographic look-alikes (curly quotes, dashes,
ellipsis, non-breaking space) with GSM-7 characters, as Twilio's Smart Encoding does,
so a pasted apostrophe does not double the cost of a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
MAX_BODY_CHARS = 1600


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


_SMART: dict[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2022": "-",
    "\u00ab": '"',
    "\u00bb": '"',
    "\u200b": "",
}


def smart_encode(text: str) -> str:
    """Replace typographic look-alikes with GSM-7 characters."""
    return "".join(_SMART.get(ch, ch) for ch in text)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def detect_encoding(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def non_gsm7_characters(text: str) -> list[str]:
    """The distinct characters that force UCS-2, in order of first appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch, None)
    return list(seen)


def _units(text: str, encoding: Encoding) -> list[int]:
    """Cost of each character in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _pack(units: list[int], per_part: int) -> int:
    parts, used = 1, 0
    for u in units:
        if used + u > per_part:
            parts, used = parts + 1, 0
        used += u
    return parts


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    characters: int  # code points
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of each part at this segment count

    @property
    def is_multipart(self) -> bool:
        return self.segments > 1


def count_segments(text: str) -> SegmentInfo:
    encoding = detect_encoding(text)
    units = _units(text, encoding)
    total = sum(units)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_MULTI)
    if total <= single:
        return SegmentInfo(encoding, len(text), total, 1 if text else 0, single)
    parts = _pack(units, multi)
    return SegmentInfo(encoding, len(text), total, parts, multi)


@dataclass(frozen=True)
class SmsCheck:
    ok: bool
    problems: tuple[str, ...]
    info: SegmentInfo


def check_body(text: str, *, max_segments: int | None = None) -> SmsCheck:
    """Is ``text`` sendable through Twilio (and within our segment budget)?"""
    info = count_segments(text)
    problems: list[str] = []
    if not text.strip():
        problems.append("body is empty")
    if len(text) > MAX_BODY_CHARS:
        problems.append(f"body is {len(text)} characters; Twilio accepts at most {MAX_BODY_CHARS}")
    if max_segments is not None and info.segments > max_segments:
        why = ""
        if info.encoding is Encoding.UCS2:
            why = f" (UCS-2 because of {''.join(non_gsm7_characters(text)[:5])!r})"
        problems.append(f"{info.segments} segments exceed the budget of {max_segments}{why}")
    return SmsCheck(not problems, tuple(problems), info)
