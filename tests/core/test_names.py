"""Names, versions and flag keys: one rule each, matched whole, before any database."""

from __future__ import annotations

import pytest

from unlockstep.core.flags import KEY_MAX, key_problem
from unlockstep.core.registry import name_problem, version_problem


@pytest.mark.parametrize("value", ["payments\n", "payments\x00", "pay\nments", "payments\r\n"])
def test_a_name_with_a_trailing_newline_or_nul_is_not_a_name(value: str) -> None:
    assert name_problem(value, "service")


@pytest.mark.parametrize("value", ["1.4.0\n", "1.4.0\x00", "1.4.0 "])
def test_a_version_with_a_trailing_newline_or_nul_is_not_a_version(value: str) -> None:
    assert version_problem(value)


@pytest.mark.parametrize("key", ["checkout.new-flow", "decision.submit.v2", "_x", "a:b", "7"])
def test_ordinary_flag_keys_are_keys(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("new\u200bcheckout", "U+200B ZERO WIDTH SPACE"),
        ("new-checkout\n", "U+000A"),
        ("new\x00checkout", "U+0000"),
        ("checkout\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("new-\u0441heckout", "U+0441 CYRILLIC SMALL LETTER ES"),  # looks like Latin 'c'
        ("\uff4eew", "U+FF4E FULLWIDTH LATIN SMALL LETTER N"),
        ("a/b", "'/'"),
        ("a b", "U+0020"),
        ("-x", "must start"),
        ("", "empty"),
        ("k" * (KEY_MAX + 1), "limit"),
    ],
)
def test_invisible_confusable_and_path_characters_are_not_flag_keys(key: str, says: str) -> None:
    problem = key_problem(key)
    assert problem is not None and says in problem
