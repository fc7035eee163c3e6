"""The boxes of docs/architecture.md, checked: what each part of the package may import.

Reads every module's imports from its source (``ast``), so an import inside a function or
under ``TYPE_CHECKING`` counts as much as one at the top. A new rule goes in ``RULES``; an
exception to one goes nowhere: move the code to the box it belongs to instead.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_firehose"

#: The modules every box may use: errors, payloads, ids, the clock and their like.
SHARED = (
    "_errors",
    "_terms",
    "_payload",
    "_ids",
    "_clock",
    "_loopback",
    "_arns",
    "_java_regex",
    "_json_text",
)
BOXES = ("_doors", "_handles", "_engine", "_wire", "_services", "_destinations", "_lambda")
#: The pytest layer: the plugin module and the modules only it imports (its markers, its
#: report sections), held to the plugin's rules.
PLUGIN = ("plugin", "_markers", "_reports")
#: botocore's and aiobotocore's internals, and moto: touched by the doors alone.
INTERNALS = (
    "botocore.endpoint",
    "botocore.awsrequest",
    "botocore.retries",
    "botocore.credentials",
    "aiobotocore",
    "moto",
)


@dataclass(frozen=True)
class Rule:
    """Modules under ``source`` must not import anything under one of ``forbidden``."""

    source: tuple[str, ...]
    forbidden: tuple[str, ...]
    why: str


def _ours(*names: str) -> tuple[str, ...]:
    return tuple(f"pytest_firehose.{name}" for name in names)


RULES = (
    Rule(
        _ours("_clock"),
        ("pytest_firehose",),
        "the clock is the bottom of the stack: it imports nothing of the package",
    ),
    Rule(
        _ours(*SHARED),
        _ours(*BOXES, *PLUGIN, "__main__"),
        "the shared modules serve every box and depend on none",
    ),
    Rule(
        _ours("_services"),
        (*_ours("_wire", "_engine", "_doors", "_handles", *PLUGIN, "__main__"), "pytest"),
        "service models know nothing of HTTP, the engine, the doors or pytest",
    ),
    Rule(
        _ours("_services"),
        ("botocore", "aiobotocore", "moto"),
        "service models are plain Python: botocore's models are the wire's business",
    ),
    Rule(
        _ours("_destinations"),
        _ours("_services"),
        "destinations receive a description of the stream, never the service model",
    ),
    Rule(
        _ours("_destinations"),
        (*_ours("_engine", "_wire", "_doors", "_handles", *PLUGIN), "pytest"),
        "destinations are handed what they need; they never reach up to the engine or a door",
    ),
    Rule(
        _ours("_lambda"),
        (*_ours(*(box for box in BOXES if box != "_lambda"), *PLUGIN, "__main__"), "pytest"),
        "Lambda's pieces (contexts, events, invocations) are handed what they need and serve "
        "the services, the destinations and the handles alike",
    ),
    Rule(
        _ours("_wire"),
        _ours("_services", "_destinations", "_engine", "_doors", "_handles", *PLUGIN),
        "the wire codec turns bytes into parameters and back, for whoever asks",
    ),
    Rule(
        _ours("_engine"),
        (*_ours("_doors", "_handles", *PLUGIN, "__main__"), "pytest"),
        "the engine answers requests; the doors bring them in",
    ),
    Rule(
        _ours("_handles"),
        _ours("_doors", *PLUGIN, "__main__"),
        "handles are what every door hands out; they do not know which door",
    ),
    Rule(
        tuple(
            f"pytest_firehose.{name}"
            for name in (
                "_handles",
                "_engine",
                "_wire",
                "_services",
                "_destinations",
                "_lambda",
                *SHARED,
            )
        )
        + _ours(*PLUGIN, "__init__", "__main__"),
        INTERNALS,
        "botocore's internals, aiobotocore and moto are touched in the doors alone",
    ),
)


@dataclass(frozen=True)
class Import:
    module: str
    line: int
    target: str


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    root = PACKAGE.parent
    return (root / relative).with_suffix(".py").is_file() or (root / relative).is_dir()


def _imports(path: Path, module: str | None = None) -> list[Import]:
    """Every import in the file at ``path``, read as module ``module`` (by default the
    module that ``path`` is in the package)."""
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                # ``from pytest_firehose._x import module`` imports that module
                submodule = f"{base}.{alias.name}"
                target = submodule if _is_module(submodule) else base
                found.append(Import(module, node.lineno, target))
    return found


def _all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in _imports(path)]


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def violations(imports: list[Import]) -> list[str]:
    """One line per import that breaks a rule: where, what, and the first rule's reason."""
    lines: dict[Import, str] = {}
    for found in imports:
        for rule in RULES:
            if _under(found.module, rule.source) and _under(found.target, rule.forbidden):
                lines.setdefault(
                    found, f"{found.module}:{found.line} imports {found.target}: {rule.why}"
                )
    return list(lines.values())


def test_every_box_imports_only_what_it_may() -> None:
    broken = violations(_all_imports())
    if broken:
        pytest.fail("imports across the boxes' boundaries:\n" + "\n".join(broken), pytrace=False)


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The walker finds imports inside functions, relative ones and ``from pkg import mod``."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def later():\n"
        "    from pytest_firehose._doors import fake\n"
        "    from ..import _wire\n"
        "    import moto\n",
        encoding="utf-8",
    )
    found = violations(_imports(probe, "pytest_firehose._services.probe"))
    targets = sorted(line.split(" imports ")[1].split(":")[0] for line in found)
    assert targets == ["moto", "pytest_firehose._doors.fake", "pytest_firehose._wire"]


def test_every_module_is_in_a_box() -> None:
    """A module outside the boxes and the shared list would escape every rule."""
    known = (*SHARED, *BOXES, *PLUGIN, "__init__", "__main__")
    loose = [
        path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").is_file())
        and path.name.removesuffix(".py") not in known
    ]
    assert loose == [], f"add {loose} to SHARED or BOXES, with rules, and to docs/architecture.md"


@pytest.mark.parametrize("box", BOXES)
def test_every_box_is_a_package_with_modules(box: str) -> None:
    """The rules name the boxes by directory: a box renamed or removed must fail here, not
    leave its rules checking nothing."""
    modules = [p for p in (PACKAGE / box).rglob("*.py") if p.name != "__init__.py"]
    assert modules, f"{box} holds no module; update RULES and docs/architecture.md"
