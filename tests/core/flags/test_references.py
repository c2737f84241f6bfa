"""Flag keys in source code, per language: evaluation calls whatever the key, other literals
when they are known keys."""

from __future__ import annotations

import pytest

from unlockstep.core.flags.references import Reference, compare, references

KNOWN = ["decision.submit.v2", "risk.model.v2", "color"]

# (language, file name, source, expected (key, line, kind))
CASES = [
    ("python", "svc.py",
     'on = client.get_boolean_value("decision.submit.v2", False, ctx)\n'
     'FLAG = "risk.model.v2"\n'
     "d = client.get_string_details('new.flag', 'x')\n",
     [("decision.submit.v2", 1, "evaluation"), ("new.flag", 3, "evaluation"),
      ("risk.model.v2", 2, "mention")]),
    ("java", "Svc.java",
     'boolean on = client.getBooleanValue("decision.submit.v2", false, ctx);\n'
     "String s = client.getStringDetails(\n    \"java.flag\", \"x\").getValue();\n"
     'static final String COLOR = "color";\n',
     [("color", 4, "mention"), ("decision.submit.v2", 1, "evaluation"),
      ("java.flag", 3, "evaluation")]),
    ("kotlin", "Svc.kt",
     'val on = client.getBooleanValue("kt.flag", false)\nval raw = """risk.model.v2"""\n',
     [("kt.flag", 1, "evaluation"), ("risk.model.v2", 2, "mention")]),
    ("typescript", "svc.ts",
     "const v = await client.getBooleanValue('ts.flag', false, ctx);\n"
     "const n = client.getNumberDetails(`num.flag`, 1);\n",
     [("num.flag", 2, "evaluation"), ("ts.flag", 1, "evaluation")]),
    ("javascript", "svc.js",
     'const s = client.getObjectValue("js.flag", {});\nconst t = `hello ${"x"}`;\n',
     [("js.flag", 1, "evaluation")]),
    ("go", "svc.go",
     'on, _ := client.BooleanValue(ctx, "go.flag", false, ec)\n'
     'v, _ := client.StringValue(context.Background(), "go.str", "x", ec)\n',
     [("go.flag", 1, "evaluation"), ("go.str", 2, "evaluation")]),
    ("csharp", "Svc.cs",
     'var on = await client.GetBooleanValueAsync("cs.flag", false);\n'
     'var d = await client.GetStringDetailsAsync(@"cs.verbatim", "x");\n',
     [("cs.flag", 1, "evaluation"), ("cs.verbatim", 2, "evaluation")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "name", "source", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_references_per_language(
    language: str, name: str, source: str, expected: list[tuple[str, int, str]]
) -> None:
    found = references(source, name, KNOWN)
    assert [(r.key, r.line, r.kind) for r in found] == expected


def test_an_unknown_literal_that_is_not_evaluated_is_not_a_reference() -> None:
    assert references('GREETING = "hello.world"\nlog("decision")', "a.py", KNOWN) == []


def test_compare_names_missing_and_unreferenced_flags() -> None:
    found = [
        Reference("decision.submit.v2", "a.py", 1, "evaluation"),
        Reference("ghost", "a.py", 2, "evaluation"),
        Reference("risk.model.v2", "b.py", 3, "mention"),
    ]
    result = compare(found, KNOWN)
    assert list(result.missing) == ["ghost"]
    assert result.unreferenced == ["color"]
    assert list(result.used) == ["decision.submit.v2", "risk.model.v2"]
