"""The certificate PDF: A4 landscape, fonts shipped in certificates/fonts/.

fpdf2 lays the page out; uharfbuzz shapes the text (Arabic joins and runs right to
left, per the Unicode bidi algorithm); Noto Sans covers Latin, Noto Naskh Arabic covers
Arabic and Droid Sans Fallback covers Chinese, Japanese and Korean. Text is drawn as
plain text (never markup), and the renderer reads only these fonts and the QR code it
makes itself: no file or URL from the content is ever fetched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONTS = {
    # family: (regular, bold)
    "NotoSans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "NotoNaskhArabic": ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    "DroidSansFallback": ("DroidSansFallbackFull.ttf", "DroidSansFallbackFull.ttf"),
}
PRIMARY = "NotoSans"
FALLBACKS = ["NotoNaskhArabic", "DroidSansFallback"]


class CertificateRenderError(Exception):
    """The certificate cannot be rendered correctly (for example a character no shipped
    font can show). Not retried: it needs a fix, and it is logged."""


@dataclass(frozen=True)
class CertificateContent:
    learner_name: str
    course_title: str
    instructor_names: str
    issued_at: datetime
    code: str
    display_code: str
    verification_url: str
    final_grade: str = ""


@cache
def _family_codepoints(family: str) -> frozenset[int]:
    with TTFont(FONT_DIR / FONTS[family][0], fontNumber=0, lazy=True) as font:
        return frozenset(font.getBestCmap().keys())


def _printable(text: str) -> set[str]:
    return {ch for ch in text if not ch.isspace() and ord(ch) >= 32}


def uncovered_characters(text: str) -> list[str]:
    covered = frozenset().union(*(_family_codepoints(f) for f in FONTS))
    return sorted(ch for ch in _printable(text) if ord(ch) not in covered)


def _fallbacks_needed(text: str) -> list[str]:
    """Only the fallback fonts this text needs: loading the 4 MB CJK font for a Latin
    name would triple the rendering time."""
    missing = {ord(ch) for ch in _printable(text)} - _family_codepoints(PRIMARY)
    needed = []
    for family in FALLBACKS:
        if missing & _family_codepoints(family):
            needed.append(family)
            missing -= _family_codepoints(family)
    return needed


def _check_coverage(content: CertificateContent) -> None:
    missing = uncovered_characters(" ".join([content.learner_name, content.course_title, content.instructor_names]))
    if missing:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:10])
        raise CertificateRenderError(f"No shipped font can show these characters: {shown}")


def _clean(text: str) -> str:
    # Control characters have no place on a certificate (and would not render).
    return "".join(ch for ch in text if ch == " " or ord(ch) >= 32).strip()


def render_certificate(content: CertificateContent) -> bytes:
    """The PDF as bytes, built fully in memory: a failure never leaves a partial file."""
    _check_coverage(content)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Certificate {content.display_code}")
    pdf.set_author("LMS")
    pdf.set_creator("LMS certificates")
    pdf.set_auto_page_break(False)
    fallbacks = _fallbacks_needed(" ".join([content.learner_name, content.course_title, content.instructor_names]))
    for family in [PRIMARY, *fallbacks]:
        regular, bold = FONTS[family]
        pdf.add_font(family, "", str(FONT_DIR / regular))
        pdf.add_font(family, "B", str(FONT_DIR / bold))
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.set_text_shaping(use_shaping_engine=True)
    pdf.add_page()
    width, height = pdf.w, pdf.h

    # Frame
    pdf.set_draw_color(11, 92, 173)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, width - 28, height - 28)

    def line(text: str, *, size: float, y: float, bold: bool = False, color=(27, 31, 36)) -> None:
        pdf.set_font(PRIMARY, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.set_xy(25, y)
        pdf.multi_cell(width - 50, size * 0.45, _clean(text), align="C")

    line("CERTIFICATE OF COMPLETION", size=26, y=32, bold=True, color=(11, 92, 173))
    line("This certifies that", size=14, y=55, color=(87, 96, 106))
    line(content.learner_name, size=30, y=68, bold=True)
    line("has successfully completed the course", size=14, y=92, color=(87, 96, 106))
    line(content.course_title, size=22, y=104, bold=True)
    if content.instructor_names:
        line(f"Taught by {content.instructor_names}", size=12, y=130, color=(87, 96, 106))
    line(f"Issued on {content.issued_at:%d %B %Y}", size=12, y=140, color=(87, 96, 106))
    if content.final_grade:
        line(f"Final grade: {content.final_grade}", size=12, y=150, bold=True)

    # Verification: the code, the URL and a QR code of the URL.
    qr = segno.make(content.verification_url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    qr_size = 34
    pdf.image(buffer, x=width - 25 - qr_size, y=height - 25 - qr_size, w=qr_size, h=qr_size)
    pdf.set_font(PRIMARY, "", 10)
    pdf.set_text_color(27, 31, 36)
    pdf.set_xy(25, height - 45)
    pdf.cell(0, 6, f"Certificate code: {content.display_code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(25)
    pdf.cell(0, 6, f"Verify at {content.verification_url}")
    return bytes(pdf.output())
