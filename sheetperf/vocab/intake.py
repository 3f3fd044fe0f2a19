"""What a user reads about the files a command was given: why a file or folder was left out
or could not be read, archive members, which resubmission was kept, roster rows.

One line each; ``{reason}`` placeholders take :func:`sheetperf.vocab.text.os_reason` text.
"""

from __future__ import annotations

from typing import Final

#: Why a path met while walking the folders given is not read (文件清单 说明, status 其他文件).
WALK_MESSAGES: Final[dict[str, str]] = {
    "folder_unreadable": "文件夹无法打开（{reason}），其中的文件都未读取；请检查权限或把文件复制到可读的文件夹",
    "path_too_long": "路径过长（超过系统上限 {limit} 字节），无法读取；请把文件移到层级较浅、名称较短的文件夹",
    "link_loop": "链接循环（链接指向自身或互相指向），无法读取",
    "link_broken": "链接指向的文件不存在，无法读取",
    "link_outside": "链接指向给定文件夹之外（{target}），未读取；需要时请直接给出该文件或文件夹",
    "link_inside": "链接指向给定文件夹中的 {target}，已按其原位置读取",
    "not_regular": "不是普通文件（{what}），未打开（打开命名管道会一直等待）",
    "stat_failed": "无法读取文件信息（{reason}）",
    "missing": "文件不存在（或文件夹不存在）",
    "fifo": "命名管道",
    "device": "设备文件",
    "socket": "套接字",
    "other_special": "特殊文件",
    "no_suffix": "无扩展名",
    "is_folder": "这是一个文件夹，请给出文件（汇总文件夹请用 consolidate）",
    "unsupported_type": "不支持的文件类型 {suffix}：请给出 .json 记录或 .xlsx/.xlsm/.xls/.et/.ods 工作簿",
    "folders_unreadable": "有 {count} 个文件或文件夹无法读取（见其他文件）：其中的项目可能被列为未交回，请处理后再核对",
}

#: Archives (.zip as departments email them) and their members.
ARCHIVE_MESSAGES: Final[dict[str, str]] = {
    "member_unsafe": "压缩包成员路径不安全（{member}），未解压",
    "member_nested": "压缩包中的压缩包（{member}）未打开，请解压后交回",
    "member_encrypted": "压缩包成员 {member} 设置了密码，无法读取；请解压后交回",
    "member_unreadable": "无法解压压缩包成员 {member}（{detail}）",
    "not_supported": "{kind} 压缩包无法安全读取，请解压后把其中的工作簿交回或放入文件夹",
    "empty": "压缩包中没有工作簿或文件",
    "member_skipped": "不是工作簿（{suffix}），已跳过",
    "not_here": "压缩包：read、validate 不打开压缩包，请用 consolidate 或 status 汇总其中的工作簿，或解压后再读取",
}

#: What a file's bytes say it is (the extension is only a hint).
CONTENT_MESSAGES: Final[dict[str, str]] = {
    "password": "工作簿设置了打开密码，无法读取；请在 Excel/WPS 中取消密码后另存再交回",
    "decrypt_failed": "工作簿已加密，无法解密（{detail}）；请在 Excel/WPS 中取消密码后另存再交回",
    "default_password": "工作簿以 Excel 默认密码加密（Excel 打开时不需输入密码），已解密读取",
    "encrypted_template": "模板工作簿设置了打开密码，无法填写；请先在 Excel/WPS 中取消密码后另存",
    "template_format": "模板的内容是 {kind} 工作簿（不论扩展名），fill 只能写入 .xlsx 模板；请用 Excel/WPS 另存为 .xlsx 后重试",
}

#: Which of several returns of one project was kept (文件清单, the summary line).
RESUBMISSION_MESSAGES: Final[dict[str, str]] = {
    "kept_because": "保留本文件（{why}），替代 {others}",
    "why_saved": "工作簿保存时间较新：{time}",
    "why_mtime": "文件修改时间较新：{time}",
    "why_order": "保存时间相同，按文件名顺序靠后",
    "line": "重复交回 {count} 个项目，已按工作簿保存时间保留最新一份（见文件清单）",
}

#: Rosters as people keep them (distribute, status, consolidate share one rule).
ROSTER_MESSAGES: Final[dict[str, str]] = {
    "duplicate_rows": "名册中有重复的项目行（同一年度、主管部门、实施单位、项目名称）：{rows}；请删除重复行后重试",
    "duplicate_row": "{rows}「{project}」",
    "row": "第 {row} 行",
}

#: The names sheetperf gives files: a name whose text has nothing a file name can keep, and the
#: stem suffix of a validated workbook's annotated copy (``项目-校验批注.xlsx``).
UNNAMED: Final = "未命名"
ANNOTATED_SUFFIX: Final = "-校验批注"


def shown_suffix(suffix: str, *, bracketed: bool = False) -> str:
    """A file's extension as a message names it: ``.pdf``, or 无扩展名 (``（无扩展名）`` where the
    message puts the extension bare) when it has none."""
    if suffix:
        return suffix
    return f"（{WALK_MESSAGES['no_suffix']}）" if bracketed else WALK_MESSAGES["no_suffix"]


#: Words a roster's 合计 / 小计 rows start with (skipped as no project).
ROSTER_TOTAL_WORDS: Final[tuple[str, ...]] = ("合计", "总计", "小计", "共计")

#: What the zip, CFB and spreadsheet libraries say of a damaged file (English), as a user reads it.
LIBRARY_DETAILS: Final[tuple[tuple[str, str], ...]] = (
    ("File is not a zip file", "不是 zip 格式"),
    ("Bad CRC-32", "校验和不符，内容已损坏"),
    ("Truncated file header", "文件头不完整"),
    ("Bad magic number", "文件头标记错误"),
    ("Could not find EOCD", "找不到 zip 目录，文件不完整"),
    ("invalid Zip archive", "zip 结构已损坏"),
    ("Invalid sector shift", "复合文档（CFB）结构已损坏"),
    ("Cfb error", "复合文档（CFB）结构已损坏"),
    ("Cannot detect file format", "无法识别文件格式，文件可能已损坏"),
    ("Error -3 while decompressing", "压缩数据已损坏"),
    ("compressed data ended before", "压缩数据不完整"),
)


def library_detail(text: str) -> str:
    """A library's English description of a damaged file in Chinese where it is known."""
    for english, chinese in LIBRARY_DETAILS:
        if english.lower() in text.lower():
            return chinese
    return text
