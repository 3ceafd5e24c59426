"""How an HTML file's bytes become text: a byte order mark wins, then the charset the page
declares (<meta> or <?xml?>), else it must be UTF-8; nothing is guessed."""

from __future__ import annotations

import pytest

from se_assistant.loaders import load_file
from se_assistant.loaders.base import LoadError

PAGE = "<html><head><title>Économie</title></head><body><p>Café à Liège “cité”</p></body></html>"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_a_byte_order_mark_gives_the_encoding(tmp_path, encoding):
    path = tmp_path / "bom.html"
    path.write_bytes(PAGE.encode(encoding))  # these codecs write the BOM
    loaded = load_file(path)
    assert loaded.title == "Économie"
    assert loaded.sections[0].text == "Café à Liège “cité”"


def test_an_xml_declaration_gives_the_encoding(tmp_path):
    path = tmp_path / "page.xhtml.html"
    path.write_bytes(b'<?xml version="1.0" encoding="koi8-r"?>'
                     + "<html><body><p>Привет, мир</p></body></html>".encode("koi8-r"))
    assert load_file(path).sections[0].text == "Привет, мир"


def test_a_latin_1_label_is_read_as_windows_1252_as_browsers_do(tmp_path):
    path = tmp_path / "quotes.html"
    path.write_bytes(b'<meta charset="iso-8859-1"><p>\x93quoted\x94 caf\xe9</p>')
    assert load_file(path).sections[0].text == "“quoted” café"


def test_a_page_declaring_one_charset_but_holding_another_is_refused_in_one_line(tmp_path):
    path = tmp_path / "liar.html"
    path.write_bytes(b'<meta charset="utf-8"><p>caf\xe9</p>')
    with pytest.raises(LoadError) as caught:
        load_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "not valid utf-8 as its charset declares" in message and "re-save it as UTF-8" in message


def test_an_unknown_declared_charset_is_refused_in_one_line(tmp_path):
    path = tmp_path / "odd.html"
    path.write_bytes(b'<meta charset="klingon-8"><p>text</p>')
    with pytest.raises(LoadError, match="unknown charset 'klingon-8'"):
        load_file(path)
