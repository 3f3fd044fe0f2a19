"""How a table sheet sheetperf writes prints: one function for every workbook.

The summary, the status and manifest workbooks and the annotated copies all go
through :func:`print_setup` (xlsxwriter) or :func:`print_setup_openpyxl`: A4,
landscape when the table is wider than a portrait page, fitted to one page wide
(as many pages tall as it needs), the header rows repeated on every page, the
sheet's name in the page header and the page number in the footer, gridlines
printed.  A sheet that already has its own print setup (a sheetperf template an
annotated copy was made of) keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from xlsxwriter.worksheet import Worksheet

from sheetperf.vocab.labels import PRINT_LABELS

#: xlsxwriter/Excel paper code of A4.
A4: Final = 9
#: Width (Excel character units) a portrait A4 page holds at 100 % between the margins below;
#: a wider table prints landscape.
PORTRAIT_UNITS: Final = 95
#: A4 in inches: width, height.
PAGE_INCHES: Final = (8.27, 11.69)
#: Margins in inches: left/right, top/bottom, header/footer.
MARGINS: Final = (0.4, 0.6, 0.3)


def header_text() -> str:
    """The page header: the sheet's name, centred and bold (Excel's ``&A``)."""
    return '&C&"-,Bold"&A'


def footer_text() -> str:
    """The page footer: the page number (Excel's ``&P``), counted in each sheet from 1."""
    return "&C" + PRINT_LABELS["footer"]


def is_wide(widths: Sequence[float]) -> bool:
    return sum(widths) > PORTRAIT_UNITS


def page_scale(widths: Sequence[float], *, landscape: bool) -> int:
    """The print scale (%) at which columns of ``widths`` fill at most one page's width."""
    pixels = sum(width * 7 + 5 for width in widths)  # Excel: 7 px a character of the default font, 5 px padding
    inches = (PAGE_INCHES[1] if landscape else PAGE_INCHES[0]) - 2 * MARGINS[0] - 0.1
    return max(10, min(100, int(inches * 96 / max(pixels, 1) * 100)))


def print_setup(
    sheet: Worksheet,
    widths: Sequence[float],
    *,
    header_rows: int = 1,
    one_page: bool = False,
    landscape: bool | None = None,
    breaks: Sequence[int] = (),
) -> None:
    """Print ``sheet`` as described in the module docstring.

    ``widths``: the column widths (decides landscape unless ``landscape`` is given);
    ``header_rows``: rows repeated at the top of every page (0: none); ``one_page``:
    fit the whole sheet on one page (the 总览 sheet); ``breaks``: rows that start a new
    page (charts below a table) — Excel ignores page breaks on a sheet fitted to pages,
    so such a sheet is scaled to its width instead (:func:`page_scale`).
    """
    sheet.set_paper(A4)
    wide = landscape if landscape is not None else is_wide(widths)
    if wide:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    side, top, edge = MARGINS
    sheet.set_margins(left=side, right=side, top=top + 0.2, bottom=top + 0.2)
    sheet.set_header(header_text(), {"margin": edge})
    sheet.set_footer(footer_text(), {"margin": edge})
    if breaks:
        sheet.set_print_scale(page_scale(widths, landscape=wide))
        sheet.set_h_pagebreaks(list(breaks))
    else:
        sheet.fit_to_pages(1, 1 if one_page else 0)
    sheet.set_start_page(1)  # each sheet's pages numbered from 1
    sheet.center_horizontally()
    if header_rows:
        sheet.repeat_rows(0, header_rows - 1)
    sheet.hide_gridlines(0)  # gridlines on screen and on paper


def print_setup_openpyxl(ws: Any, *, header_rows: int = 1) -> None:
    """The same setup on an openpyxl worksheet, unless it has a print setup of its own
    (a print area, print titles, a fit-to-page or a paper size)."""
    setup = ws.page_setup
    own = (
        ws.print_area
        or ws.print_title_rows
        or (ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage)
        or setup.paperSize
    )
    if own:
        return
    from openpyxl.utils import get_column_letter

    widths = [(ws.column_dimensions[get_column_letter(c)].width or 8.43) for c in range(1, (ws.max_column or 1) + 1)]
    setup.paperSize = A4
    setup.orientation = "landscape" if is_wide(widths) else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    setup.firstPageNumber = 1
    setup.useFirstPageNumber = True
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    side, top, edge = MARGINS
    ws.page_margins.left = ws.page_margins.right = side
    ws.page_margins.top = ws.page_margins.bottom = top + 0.2
    ws.page_margins.header = ws.page_margins.footer = edge
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.center.text = PRINT_LABELS["footer"]
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"


__all__: Final = ["A4", "footer_text", "header_text", "is_wide", "print_setup", "print_setup_openpyxl"]
