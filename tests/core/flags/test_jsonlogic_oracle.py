"""Differential test: our compiled JsonLogic against the reference interpreter flagd's
Python provider uses (panzi-json-logic), on generated well-typed rules over a fixed context.

The two differ, on purpose, where panzi departs from JsonLogic's JavaScript semantics (which
flagd's Go, Java and JS evaluators follow): ``null == 0`` and ``null == false`` (false in JS),
``"" < 27`` (true in JS), ``false == ""`` (true in JS), ``cat`` of booleans (``"true"``, not
``"True"``). Those cases are pinned by ``test_javascript_semantics_where_the_reference_differs``;
the generator keeps comparisons well-typed so everything else must agree exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

json_logic = pytest.importorskip("json_logic")

from unlockstep.core.flags.jsonlogic import compile_rule  # noqa: E402
from unlockstep.core.flags.operators import flagd_operators  # noqa: E402

CONTEXT: dict[str, Any] = {
    "tenantId": "t-1",
    "region": "eu-north",
    "age": 42,
    "zero": 0,
    "beta": True,
    "tags": ["a", "b"],
    "user": {"name": "ana", "tier": "premium"},
    "empty": "",
}
WORDS = ["", "a", "t-1", "t-2", "eu-north", "ana", "premium", "north"]

numbers = st.one_of(
    st.integers(min_value=-3, max_value=60), st.sampled_from([{"var": "age"}, {"var": "zero"}])
)
strings = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["tenantId", "region", "user.name", "user.tier", "empty"]).map(
        lambda name: {"var": name}
    ),
)


def typed(depth: int) -> dict[str, st.SearchStrategy[Any]]:
    if depth == 0:
        return {"num": numbers, "str": strings, "bool": st.booleans()}
    below = typed(depth - 1)
    compare = st.sampled_from(["==", "!=", "===", "!==", "<", "<=", ">", ">="])
    word_lists = st.lists(st.sampled_from(WORDS), max_size=4)
    booleans = st.one_of(
        below["bool"],
        st.builds(lambda op, a, b: {op: [a, b]}, compare, below["num"], below["num"]),
        st.builds(lambda op, a, b: {op: [a, b]}, compare, below["str"], below["str"]),
        st.builds(lambda a: {"!": [a]}, st.one_of(*below.values())),
        st.builds(lambda a: {"!!": [a]}, st.one_of(*below.values())),
        st.builds(lambda a, hay: {"in": [a, hay]}, below["str"], word_lists),
        st.builds(lambda a, hay: {"in": [a, hay]}, below["str"], st.sampled_from(WORDS)),
        st.builds(lambda xs: {"and": xs}, st.lists(below["bool"], min_size=1, max_size=3)),
        st.builds(lambda xs: {"or": xs}, st.lists(below["bool"], min_size=1, max_size=3)),
    )  # fmt: skip
    texts = st.one_of(
        below["str"],
        st.builds(lambda xs: {"cat": xs}, st.lists(st.one_of(below["str"], numbers), max_size=3)),
        st.builds(lambda c, a, b: {"if": [c, a, b]}, below["bool"], below["str"], below["str"]),
        st.builds(lambda xs: {"or": xs}, st.lists(below["str"], min_size=1, max_size=3)),
        st.builds(lambda xs: {"and": xs}, st.lists(below["str"], min_size=1, max_size=3)),
    )
    nums = st.one_of(
        below["num"],
        st.builds(lambda c, a, b: {"if": [c, a, b]}, below["bool"], below["num"], below["num"]),
        st.builds(lambda xs: {"+": xs}, st.lists(below["num"], min_size=1, max_size=3)),
    )
    return {"num": nums, "str": texts, "bool": booleans}


RULES = st.one_of(*typed(3).values())


@settings(max_examples=500, deadline=None)
@given(RULES)
def test_compiled_rules_agree_with_the_reference_interpreter(rule: Any) -> None:
    expected = json_logic.jsonLogic(rule, dict(CONTEXT), json_logic.builtins.BUILTINS)
    got = compile_rule(rule, "flag", flagd_operators())(CONTEXT)
    assert type(got) is type(expected) and got == expected, (rule, got, expected)


@pytest.mark.parametrize(
    ("rule", "javascript"),
    [
        ({"==": [None, 0]}, False),
        ({"==": [None, False]}, False),
        ({"<": ["", 27]}, True),
        ({"==": [False, ""]}, True),
        ({">=": ["premium", None]}, False),
        ({"cat": [True, 1]}, "true1"),
    ],
)
def test_javascript_semantics_where_the_reference_differs(rule: Any, javascript: Any) -> None:
    assert compile_rule(rule, "flag", flagd_operators())({}) == javascript
