"""Widths of text as people read it (vocab/text.py)."""

from __future__ import annotations

import unicodedata

import pytest

from sheetperf.vocab.text import _SURELY_WIDE, display_width


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


WIDTH_CASES = {
    "ascii": "abc",
    "path": "C:/a b/c.xlsx",
    "empty": "",
    "chinese": "项目支出绩效自评表",
    "cjk-punctuation": "（２０２３年度）。、“引号”",
    "fullwidth": "ａｂ％＞",
    "accented": "é",
    "ideographic-space": "\u3000",
    "astral-ideograph": "𠀀𪚥",
    "emoji": "😀✅",
    "kana-hangul": "カタカナひらがな한국어",
    "mixed": "第1季度 Q1 完成率≥95%",
    "combining": "e\u0301",
}


@pytest.mark.parametrize("text", list(WIDTH_CASES.values()), ids=list(WIDTH_CASES))
def test_display_width_counts_wide_characters_twice(text: str) -> None:
    assert display_width(text) == _width(text)


def test_every_character_counted_wide_without_a_look_up_is_wide() -> None:
    surely = [chr(c) for c in range(0x10000) if _SURELY_WIDE.match(chr(c))]
    assert len(surely) == 39_098  # the ranges of _SURELY_WIDE
    assert [hex(ord(ch)) for ch in surely if unicodedata.east_asian_width(ch) not in "WF"] == []
