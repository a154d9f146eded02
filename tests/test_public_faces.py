"""One public face per package: a module imports another package's names from that package
(``from ..model import Layer``), never from one of its modules (``from ..model.document import
Layer``), and only names the package lists in ``__all__``. No object is the public name of two
packages (a relay re-export gives a function two import paths)."""
from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGNER = ROOT / "designer"


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _is_package(name: str) -> bool:
    return (ROOT.joinpath(*name.split(".")) / "__init__.py").exists()


def _package_of(name: str) -> str:
    while not _is_package(name):
        name = name.rsplit(".", 1)[0]
    return name


def _top(name: str) -> str:
    """The top-level package a module belongs to: designer.model, designer.engine, ..."""
    return ".".join(name.split(".")[:2])


def imports():
    """(file, line, target module, imported names) of every import of a designer module."""
    for path in sorted(DESIGNER.rglob("*.py")):
        name, is_pkg = _module_name(path)
        own = name if is_pkg else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = own.split(".")[:len(own.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("designer"):
                target = node.module
            else:
                continue
            yield path.relative_to(ROOT).as_posix(), node.lineno, name, target, [a.name for a in node.names]


def crossing():
    """The imports from another top-level package (designer's own modules, e.g. errors, are faces)."""
    for file, line, importer, target, names in imports():
        package = _package_of(target)
        if package != "designer" and _top(package) != _top(importer):
            yield file, line, target, package, names


def test_no_module_imports_another_packages_module():
    found = [f"{file}:{line} imports {names} from {target}; import them from {package}"
             for file, line, target, package, names in crossing() if not _is_package(target)]
    assert not found, "\n".join(found)


def test_a_package_is_imported_only_for_the_names_it_lists():
    found = []
    for file, line, target, _package, names in crossing():
        if not _is_package(target):
            continue
        public = getattr(importlib.import_module(target), "__all__", None)
        if public is None:
            found.append(f"{file}:{line} imports from {target}, which lists no __all__")
            continue
        found += [f"{file}:{line} imports {n} from {target}, which does not list it in __all__"
                  for n in names if n not in public]
    assert not found, "\n".join(found)


def test_no_module_relays_another_packages_names():
    """An import kept only to be imported from here again (``# noqa: F401``) gives a function a
    second import path; from another package (or designer's own modules) that is a relay."""
    found = []
    for file, line, importer, target, names in imports():
        package = _package_of(target)
        outside = _top(package) != _top(importer) or (package == "designer" and not _is_package(target))
        text = (ROOT / file).read_text(encoding="utf-8").splitlines()[line - 1]
        if outside and "noqa: F401" in text:
            found.append(f"{file}:{line} relays {names} from {target}")
    assert not found, found


def packages():
    return sorted(_module_name(p)[0] for p in DESIGNER.rglob("__init__.py"))


@pytest.mark.parametrize("package", ["designer.model", "designer.engine", "designer.engine.data",
                                     "designer.export", "designer.learn", "designer.onnx_import",
                                     "designer.commands", "designer.ui"])
def test_a_package_imported_by_others_lists_its_names_and_each_resolves(package):
    module = importlib.import_module(package)
    public = module.__all__
    assert len(public) == len(set(public)), [n for n in public if public.count(n) > 1]
    missing = [n for n in public if not hasattr(module, n) and importlib.util.find_spec(f"{package}.{n}") is None]
    assert not missing, f"{package}.__all__ names what it does not have: {missing}"


def test_every_package_that_others_import_from_lists_its_names():
    imported = {_package_of(t) for _f, _l, t, _p, _n in crossing()}
    assert {"designer.model", "designer.engine", "designer.learn", "designer.export"} <= imported
    lacking = [p for p in sorted(imported) if not hasattr(importlib.import_module(p), "__all__")]
    assert not lacking, lacking


def test_no_object_is_the_public_name_of_two_packages():
    """Functions, classes and tables only: equal numbers or strings may well coincide."""
    seen, found = {}, []
    for package in packages():
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)  # None: a submodule not imported yet
            if not (callable(obj) or isinstance(obj, (dict, list, set))):
                continue
            other = seen.setdefault(id(obj), (package, name, obj))
            if other[0] != package:
                found.append(f"{package}.{name} is {other[0]}.{other[1]}")
    assert not found, found
