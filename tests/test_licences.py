"""Every required runtime dependency, transitively, may ship with an Apache-2.0 project.

The required dependencies are ``[project] dependencies`` of this repository's pyproject.toml
(extras such as ``test`` and ``bench`` are not shipped to users); each one's requirements are
followed through the installed distributions' metadata. A distribution fails when every licence
it offers is GPL, AGPL or LGPL ("GPL-3.0-or-later"; "MIT OR GPL-2.0" passes, as the user may
take MIT), or when its metadata names no licence and it is not listed in ``READ_BY_HAND``.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

#: distribution -> its licence, read from its LICENSE file by a person, for a distribution
#: whose metadata names none (no License-Expression, License or License classifier). Empty
#: today: every required dependency declares its licence.
READ_BY_HAND: dict[str, str] = {}

_COPYLEFT = re.compile(r"\b(A|L)?GPL|GNU (Affero |Lesser |Library )?General Public", re.IGNORECASE)
_OR = re.compile(r"\s+OR\s+|\s*/\s*", re.IGNORECASE)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licences(meta: Message) -> list[str]:
    """The licences a distribution offers, as its metadata states them; one entry per choice.

    ``License-Expression`` (SPDX, PEP 639) wins; else the ``License ::`` classifiers (several
    classifiers are a choice, as in ``Apache-2.0 OR MIT``); else the free-text ``License``
    field's first line.
    """
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return [part.strip("() ") for part in _OR.split(expression) if part.strip("() ")]
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and c.split("::")[-1].strip() != "OSI Approved"
    ]
    if classifiers:
        return classifiers
    text = (meta.get("License") or "").strip()
    return [text.splitlines()[0]] if text else []


def copyleft_only(offered: list[str]) -> bool:
    """True when every licence offered is GPL, AGPL or LGPL (no permissive choice)."""
    return bool(offered) and all(_COPYLEFT.search(lic) for lic in offered)


def required_distributions() -> dict[str, tuple[str, str]]:
    """Every distribution the required dependencies pull in: name -> (version, required by)."""
    direct = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    found: dict[str, tuple[str, str]] = {}
    todo = [(Requirement(spec), "unlockstep") for spec in direct]
    while todo:
        req, parent = todo.pop()
        name = _name(req.name)
        if name in found:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            pytest.fail(f"{req.name} (required by {parent}) is not installed: pip install -e .")
        found[name] = (dist.version, parent)
        extras = {"", *req.extras}
        for spec in dist.requires or []:
            sub = Requirement(spec)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append((sub, name))
    return found


@pytest.mark.parametrize(
    ("meta", "offered", "copyleft"),
    [
        ({"License-Expression": "GPL-3.0-or-later"}, ["GPL-3.0-or-later"], True),  # pglast 8.8
        ({"License-Expression": "LGPL-2.1-only"}, ["LGPL-2.1-only"], True),
        ({"License-Expression": "AGPL-3.0-only"}, ["AGPL-3.0-only"], True),
        ({"License-Expression": "MIT OR GPL-2.0-or-later"}, ["MIT", "GPL-2.0-or-later"], False),
        ({"License-Expression": "BSD-2-Clause"}, ["BSD-2-Clause"], False),  # postgast
        ({"License": "3-Clause BSD License"}, ["3-Clause BSD License"], False),  # protobuf
        (
            {"Classifier": "License :: OSI Approved :: GNU General Public License v3 (GPLv3)"},
            ["GNU General Public License v3 (GPLv3)"],
            True,
        ),
        ({"License": "GPLv3+"}, ["GPLv3+"], True),
        ({"License": "MPL-2.0"}, ["MPL-2.0"], False),  # certifi: file-level copyleft, allowed
        ({}, [], False),  # unknown: decided by READ_BY_HAND, not here
    ],
)
def test_licence_metadata_is_read_as_the_choices_it_offers(
    meta: dict[str, str], offered: list[str], copyleft: bool
) -> None:
    message = Message()
    for key, value in meta.items():
        message[key] = value
    assert licences(message) == offered
    assert copyleft_only(offered) is copyleft


def test_every_required_runtime_dependency_is_licence_compatible_with_apache_2() -> None:
    problems = []
    for name, (version, parent) in sorted(required_distributions().items()):
        offered = licences(md.metadata(name))
        if not offered and name not in READ_BY_HAND:
            problems.append(f"{name} {version} (via {parent}): no licence in its metadata")
        elif copyleft_only(offered):
            problems.append(f"{name} {version} (via {parent}): {' OR '.join(offered)}")
    assert not problems, "required dependencies not compatible with Apache-2.0:\n" + "\n".join(
        problems
    )


def test_the_postgresql_parser_is_the_permissive_binding() -> None:
    assert "postgast" in required_distributions()
    assert "pglast" not in required_distributions()
