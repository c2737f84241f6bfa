"""unlockstep: release coordination without distributed lockstep.

The library's public face (see ``docs/library.md``)::

    import unlockstep

    report = unlockstep.compare(Path("v1.yaml"), Path("v2.yaml"), mode="FULL")
    if not report.compatible:
        print(unlockstep.render(report, "markdown"))

Every name below is imported on first use (module ``__getattr__``), so ``import unlockstep``
itself stays cheap: the CLI's ``--version`` imports this module and nothing else of ours.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not ``typing.TYPE_CHECKING``: importing ``typing`` costs ~10 ms

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "compare": "unlockstep._library",
    "load_document": "unlockstep._library",
    "Earlier": "unlockstep.core.compare",
    "Breaks": "unlockstep.core.compat",
    "Change": "unlockstep.core.compat",
    "CompatibilityReport": "unlockstep.core.compat",
    "Direction": "unlockstep.core.compat",
    "Level": "unlockstep.core.compat",
    "Location": "unlockstep.core.compat",
    "Mode": "unlockstep.core.compat",
    "Policy": "unlockstep.core.compat",
    "Source": "unlockstep.core.compat",
    "render": "unlockstep.core.compat",
    "Document": "unlockstep.core.documents",
    "json_type": "unlockstep.core.documents",
    "kinds": "unlockstep.core.engines",
    "UnlockstepError": "unlockstep.errors",
    "InvalidInput": "unlockstep.errors",
    "ParseError": "unlockstep.errors",
    "DocumentTooLarge": "unlockstep.errors",
}

__all__ = [
    "Breaks",
    "Change",
    "CompatibilityReport",
    "Direction",
    "Document",
    "DocumentTooLarge",
    "Earlier",
    "InvalidInput",
    "Level",
    "Location",
    "Mode",
    "ParseError",
    "Policy",
    "Source",
    "UnlockstepError",
    "__version__",
    "compare",
    "json_type",
    "kinds",
    "load_document",
    "render",
]

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from typing import Any

    from unlockstep._library import compare, load_document
    from unlockstep.core.compare import Earlier
    from unlockstep.core.compat import (
        Breaks,
        Change,
        CompatibilityReport,
        Direction,
        Level,
        Location,
        Mode,
        Policy,
        Source,
        render,
    )
    from unlockstep.core.documents import Document, json_type
    from unlockstep.core.engines import kinds
    from unlockstep.errors import DocumentTooLarge, InvalidInput, ParseError, UnlockstepError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'unlockstep' has no attribute {name!r}")
    value = getattr(__import__(module, fromlist=[name]), name)  # no importlib: cheap
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
