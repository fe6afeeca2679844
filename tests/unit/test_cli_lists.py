"""The one parser of the CLI's comma-separated options (`bench --rates`, `--sales`, `train --model`, ...)."""

from __future__ import annotations

import pytest

from concert.cli_support import EXIT_USAGE, CommandError, parse_list


def test_items_are_read_by_their_kind() -> None:
    assert parse_list("250,500, 1000", "--rates", float, "numbers") == [250.0, 500.0, 1000.0]
    assert parse_list("100", "--clients", int, "integers") == [100]
    assert parse_list(" small,, large ", "--workloads", str.strip, "names", skip_empty=True) == [
        "small",
        "large",
    ]
    assert parse_list("", "--load-rates", float, "numbers", skip_empty=True) == []


@pytest.mark.parametrize(("text", "skip_empty"), [("50000,lots", False), ("50000,", False), ("1,,2", False)])
def test_an_item_that_cannot_be_read_is_a_usage_error_naming_the_option(text: str, skip_empty: bool) -> None:
    with pytest.raises(CommandError) as caught:
        parse_list(text, "--sales", int, "integers", skip_empty=skip_empty)
    assert caught.value.code == EXIT_USAGE
    assert str(caught.value) == f"--sales must be comma-separated integers, got {text!r}"


def test_train_reads_its_models_with_the_same_parser_and_names_the_unknown_one() -> None:
    from concert.cli_ml import _models

    assert _models("sales, recommend") == ["ticket_sales", "recommendations"]
    assert _models("all") == ["ticket_sales", "venue_popularity", "recommendations"]
    with pytest.raises(CommandError) as caught:
        _models("sales,nope")
    assert caught.value.code == EXIT_USAGE
    assert str(caught.value).startswith("--model: unknown model 'nope'; available: ticket_sales")
    assert str(caught.value).endswith(", or all")
