"""How numbers read in the report: thousands separators, decimals only where the value has them."""

from decimal import Decimal

from yankao.core.report_registry import Cell


def number_format(value: int | float | Decimal) -> str:
    """「860,696」 for whole numbers, 「12.5」 (one decimal) for fractional ones."""
    if isinstance(value, int) or value == int(value):
        return f"{int(value):,}"
    return f"{float(value):,.1f}"


def cell_format(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return number_format(value)


def cell_is_number(value: Cell) -> bool:
    return value is not None and not isinstance(value, str)
