"""How sheets written with XlsxWriter print: the lists, the statistics and the templates."""

# A sheet printed wider than this (in characters of its column widths) is set landscape.
PORTRAIT_WIDTH = 100


def print_setup(sheet, widths: list[float], title: str, header_rows: int = 1) -> None:
    """A4, landscape when wide, every column on the page's width (as many pages down as it
    takes), the header rows on every page, the title and 第x页，共y页."""
    sheet.set_paper(9)  # A4
    if sum(widths) > PORTRAIT_WIDTH:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, header_rows - 1)
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    # "&" starts a header code (&B bold): a title with one prints it as written.
    sheet.set_header(f"&C&B{title.replace('&', '&&')}")
    sheet.set_footer("&C第 &P 页，共 &N 页")
