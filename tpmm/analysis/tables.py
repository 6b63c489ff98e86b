"""Result tables as text (rich, mmengine's console library)."""
from typing import Callable, Sequence, Tuple


def table_text(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               width: int = 200, left: Sequence[str] = ()) -> str:
    """A table of text cells; columns named in ``left`` are left-aligned, the others
    right-aligned."""
    from rich.console import Console
    from rich.table import Table
    table = Table(title=title)
    for header in headers:
        table.add_column(str(header), justify='left' if header in left else 'right')
    for row in rows:
        table.add_row(*row)
    console = Console(width=width)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """Print a table of values (:func:`format_cell`) and return its text."""
    text = table_text(title, headers, [[format_cell(v) for v in row] for row in rows])
    print(text, end='')
    return text


def format_cell(value) -> str:
    """Short text for a table cell (floats with 4 significant digits)."""
    if isinstance(value, float):
        return f'{value:.4g}'
    return str(value)


def records_table(title: str, columns: Sequence[Tuple[str, str]], records: Sequence[dict],
                  format_float: Callable[[str, float], str], width: int = 160,
                  left: Sequence[str] = ()) -> str:
    """A table of dict records: ``columns`` are ``(key, header)``; a float cell is
    ``format_float(key, value)``, a missing or ``None`` value ``'-'``."""
    def cell(key, value):
        if value is None:
            return '-'
        return format_float(key, value) if isinstance(value, float) else str(value)

    rows = [[cell(key, record.get(key)) for key, _ in columns] for record in records]
    return table_text(title, [header for _, header in columns], rows, width, left)
