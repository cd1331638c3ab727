"""Decoding: every way a Korean page or feed announces (or misannounces) its charset."""
from __future__ import annotations

import codecs
from pathlib import Path

from extractors.article import extract_article
from extractors.decode import decode_html, normalize_charset, sniff_declared_charset

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
BODY = "국산 인공지능 칩을 함께 만들기로 한 두 회사가 첫 시제품을 공개했다. 똠방각하와 햏복한 연구원들이 모였다."


def page(meta_charset: str | None, body: str = BODY) -> str:
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return f"<html><head>{meta}<title>시험 기사</title></head><body><div><p>{body}</p><p>{body}</p></div></body></html>"


def test_utf8_page_with_true_meta():
    text, enc = decode_html(page("utf-8").encode("utf-8"))
    assert enc == "utf-8" and BODY in text


def test_euckr_page_with_true_meta():
    body = "국산 인공지능 칩을 함께 만들기로 한 두 회사가 첫 시제품을 공개했다."   # EUC-KR-safe syllables only
    data = page("euc-kr", body).encode("euc-kr")
    text, enc = decode_html(data)
    assert body in text and enc in ("cp949", "euc_kr")


def test_cp949_only_syllables_decode_under_an_euckr_label():
    data = page("euc-kr").encode("cp949")          # 똠 and 햏 are not in strict EUC-KR
    try:
        data.decode("euc-kr")
        strict_fails = False
    except UnicodeDecodeError:
        strict_fails = True
    assert strict_fails
    text, enc = decode_html(data)
    assert "똠방각하" in text and "햏복한" in text and enc == "cp949"


def test_meta_says_euckr_but_bytes_are_utf8():
    text, enc = decode_html(page("euc-kr").encode("utf-8"))
    assert enc == "utf-8" and BODY in text


def test_meta_says_utf8_but_bytes_are_cp949():
    text, enc = decode_html(page("utf-8").encode("cp949"))
    assert enc == "cp949" and BODY in text


def test_http_charset_wins_when_it_is_right():
    data = page(None).encode("cp949")
    text, enc = decode_html(data, http_charset="ks_c_5601-1987")
    assert enc == "cp949" and BODY in text


def test_wrong_http_charset_is_overruled_by_the_bytes():
    text, enc = decode_html(page("utf-8").encode("utf-8"), http_charset="euc-kr")
    assert enc == "utf-8" and BODY in text


def test_utf8_bom_wins_over_a_lying_meta():
    data = codecs.BOM_UTF8 + page("euc-kr").encode("utf-8")
    text, enc = decode_html(data)
    assert enc == "utf-8" and BODY in text and not text.startswith("\ufeff")


def test_utf16_bom():
    data = page(None).encode("utf-16")             # Python writes the BOM
    text, enc = decode_html(data)
    assert enc == "utf-16" and BODY in text


def test_no_declaration_legacy_bytes_are_detected():
    text, enc = decode_html(page(None).encode("cp949"))
    assert enc == "cp949" and BODY in text


def test_xml_feed_declared_euckr():
    xml = ('<?xml version="1.0" encoding="euc-kr"?>\n<rss version="2.0"><channel><title>고을신문</title>'
           "<item><title>똠방각하전자 새 공장</title></item></channel></rss>")
    data = xml.encode("cp949")
    assert sniff_declared_charset(data) == "cp949"
    text, enc = decode_html(data)
    assert "똠방각하전자 새 공장" in text and enc == "cp949"


def test_utf8_with_a_few_broken_bytes_stays_utf8():
    data = page("utf-8").encode("utf-8")
    data = data[:200] + b"\xff" + data[200:]
    text, enc = decode_html(data)
    assert enc == "utf-8" and "시제품을 공개했다" in text


def test_pure_ascii_and_empty():
    assert decode_html(b"<html><body>hello</body></html>")[0].endswith("</html>")
    assert decode_html(b"") == ("", "utf-8")


def test_charset_labels():
    for label in ("EUC-KR", "euc_kr", "ks_c_5601-1987", "x-windows-949", "UHC", "CP949"):
        assert normalize_charset(label) == "cp949"
    assert normalize_charset("UTF8") == "utf-8"
    assert normalize_charset("no-such-charset") is None


def test_legacy_page_end_to_end():
    art = extract_article((FIXTURES / "legacy.euckr.html").read_bytes(), url="http://www.goeul.example/news/view.php?no=77",
                          http_charset=None)
    assert "똠방각하전자가 햏빛연구소와 손잡고" in art.body
    assert "\ufffd" not in art.body
