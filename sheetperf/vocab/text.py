"""Text as people read it: widths of CJK text and plain aligned tables.

One width rule for every place that sizes text: terminal tables, column widths of
the summary and the manifest, row heights of filled forms.
"""

from __future__ import annotations

import errno
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Final

#: CJK characters as the bodies of regular-expression character classes.  Where a text is cut
#: into lines, a space between two of these is where a narrow cell wrapped, not a word gap:
#: the workbook reader joins a label's pieces over CJK punctuation, ideographs and every
#: full-width form; the text importer over radicals, CJK punctuation, ideographs, compatibility
#: and vertical forms, full-width punctuation (its digits and letters are not among them) and
#: curly quotes.
CJK_LABEL_CHARS: Final = "\u3000-\u9fff\uff00-\uffef"
CJK_TEXT_CHARS: Final = (
    "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uffef\u201c\u201d\u2018\u2019"
)


def is_ideograph(ch: str) -> bool:
    """``ch`` is a CJK unified ideograph (U+4E00–U+9FFF), the characters of Chinese words."""
    return "\u4e00" <= ch <= "\u9fff"


#: What the operating system said, in Chinese (its own text is English and never shown).
OS_REASONS: Final[dict[int, str]] = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有读取或写入权限",
    errno.EPERM: "操作不被允许（权限不足）",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘为只读",
    errno.EEXIST: "文件已存在",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EMFILE: "同时打开的文件过多",
    errno.EIO: "读写磁盘时出错",
    errno.EBUSY: "文件正被其他程序占用",
    errno.ETXTBSY: "文件正被其他程序占用",
    errno.ELOOP: "路径中的链接循环",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EFBIG: "文件超过了磁盘允许的大小",
    errno.EINVAL: "文件名或路径中有此磁盘不允许的字符",
    errno.ENXIO: "设备或管道没有连接",
    errno.ENODEV: "设备不存在",
    errno.EXDEV: "不能跨磁盘移动文件",
    errno.ENOTEMPTY: "文件夹不是空的",
    errno.ESTALE: "网络文件句柄已失效，请重新连接共享文件夹",
    errno.ETIMEDOUT: "网络连接超时",
    errno.EAGAIN: "资源暂时不可用，请稍后再试",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error as one Chinese phrase (``[Errno 21] Is a directory`` →
    这是一个文件夹，不是文件); an unknown one keeps only its number."""
    code = exc.errno
    if code in OS_REASONS:
        return OS_REASONS[code]
    return f"系统错误（编号 {code}）" if code is not None else "系统错误"


_SURROGATES: Final = re.compile("[\ud800-\udfff]")


def _surrogate_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def mend_surrogates(text: str) -> str:
    """``text`` that can be written as UTF-8: the bytes of a name that was not UTF-8 (a GBK name
    from a Windows share, kept by Python as lone surrogates) as ``\\xNN``; anything else as is."""
    if text.isascii() or not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub(_surrogate_escape, text)


#: Characters that are all wide (East Asian width W or F): CJK ideographs, CJK punctuation,
#: kana, Hangul syllables, full-width forms — most of a Chinese text, counted without a look-up
#: of each character (tests/test_summary.py checks every one against ``unicodedata``).
_SURELY_WIDE: Final = re.compile(
    "[\u3000-\u303e\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60\uffe0-\uffe6]"
)


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK characters take two."""
    if text.isascii():  # no ASCII character is wide
        return len(text)
    rest = _SURELY_WIDE.sub("", text)
    wide = len(text) - len(rest)
    if not rest.isascii():
        wide += sum(1 for ch in rest if unicodedata.east_asian_width(ch) in "WF")
    return len(text) + wide


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if align == "right" else text + gap


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """A simple aligned table; columns whose index is in ``right`` are right-aligned."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))
    lines = ["  ".join(_pad(h, widths[i], "right" if i in right else "left") for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            "  ".join(_pad(v, widths[i], "right" if i in right else "left") for i, v in enumerate(row)).rstrip()
        )
    return "\n".join(lines)
