import argparse
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from yankao.core.exceptions import InvalidDateError
from yankao.core.roc_dates import (
    roc_date_argument,
    roc_date_format,
    roc_date_format_short,
    roc_date_parse,
)


def test_dates_are_shown_in_the_long_and_short_roc_forms() -> None:
    assert roc_date_format(date(2024, 3, 31)) == "民國113年3月31日"
    assert roc_date_format_short(date(2024, 3, 31)) == "113/03/31"
    assert roc_date_format_short(date(2010, 1, 5)) == "99/01/05"


def test_an_aware_datetime_is_shown_on_taiwans_calendar() -> None:
    # given 2024-03-31 16:30 UTC, which is 2024-04-01 00:30 in Taiwan
    moment = datetime(2024, 3, 31, 16, 30, tzinfo=UTC)
    assert roc_date_format(moment) == "民國113年4月1日"
    assert roc_date_format_short(moment) == "113/04/01"


@pytest.mark.parametrize(
    "text",
    [
        "113/03/31",
        "113/3/31",
        "1130331",
        "113-03-31",
        "113.03.31",
        "民國113年3月31日",
        "113年3月31日",
        "民國 113 年 3 月 31 日",
        "１１３／０３／３１",
        "2024-03-31",
        "2024/3/31",
        "20240331",
        "  113/03/31 ",
    ],
)
def test_every_accepted_form_reads_as_the_same_day(text: str) -> None:
    assert roc_date_parse(text) == date(2024, 3, 31)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("113/02/30", "民國113年2月沒有30日"),
        ("112/02/29", "民國112年2月沒有29日"),
        ("113/13/01", "月份須為 1 至 12"),
        ("0/01/01", "民國年份須為 1 以上"),
        ("2023-02-29", "2023年2月沒有29日"),
        ("113/03-31", "不是可辨識的日期"),
        ("昨天", "不是可辨識的日期"),
        ("11303", "不是可辨識的日期"),
    ],
)
def test_malformed_input_raises_a_clear_error_naming_it(text: str, reason: str) -> None:
    with pytest.raises(InvalidDateError) as error:
        roc_date_parse(text)
    assert f"「{text}」" in error.value.message
    assert reason in error.value.message


def test_empty_input_is_refused() -> None:
    with pytest.raises(InvalidDateError, match="不可空白"):
        roc_date_parse("  ")


def test_a_leap_day_parses_in_a_leap_year() -> None:
    assert roc_date_parse("113/02/29") == date(2024, 2, 29)


def test_the_command_argument_type_turns_errors_into_argparse_errors() -> None:
    assert roc_date_argument("112/12/31") == date(2023, 12, 31)
    with pytest.raises(argparse.ArgumentTypeError, match="113/02/30"):
        roc_date_argument("113/02/30")


def test_the_template_filters_work_without_loading_a_library() -> None:
    # given a template that uses the builtin filters, when rendered with a date, an aware datetime and None
    template = Template("{{ d|roc_date }}|{{ d|roc_date_short }}|{{ m|roc_date }}|{{ n|roc_date }}")
    rendered = template.render(
        Context({"d": date(2024, 3, 31), "m": datetime(2024, 3, 31, 16, 30, tzinfo=UTC), "n": None})
    )
    # then each shows the ROC date, and a missing value shows nothing
    assert rendered == "民國113年3月31日|113/03/31|民國113年4月1日|"
