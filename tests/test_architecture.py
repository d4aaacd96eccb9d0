"""The layer map holds: the import contract (pyproject ``[tool.importlinter]``) is kept,
no module imports itself through others (counting imports inside functions), and
imports inside functions stay where a heavy library is loaded lazily on purpose."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ground", "models", "crawler", "alerts", "workers", "gkwatch")

#: modules allowed to import inside functions, and why
LAZY = {
    # the command line: `gkwatch parse` starts without SQLAlchemy, FastAPI, Celery, Scrapy
    "gkwatch.cli": "command handlers", "gkwatch.commands": "command handlers",
    "gkwatch.cli_alerts": "command handlers", "gkwatch.cli_ops": "command handlers",
    "gkwatch.cli_web": "command handlers", "gkwatch.cli_portals": "command handlers",
    "gkwatch.cli_crawl": "command handlers",
    "crawler.run": "Scrapy and Twisted load in the crawl's child process only",
    "crawler.batch": "twisted.internet.reactor imported only after Scrapy's reactor is installed",
    "alerts.channels.apprise": "optional extra", "crawler.kinds.browser": "optional extra (scrapy-playwright)",
    "ground.telemetry": "Sentry's Celery integration loads Celery, only with a DSN",
    "models.db": "Alembic loads only to migrate",
    # each format's library (pypdfium2, python-docx, openpyxl, xlrd, lxml, OpenCV, NumPy,
    # RapidOCR/onnxruntime) loads with the first document of that format
    "workers.extract": "format libraries", "workers.extract.html": "format libraries",
    "workers.extract.html_tree": "format libraries",
    "workers.extract.legacy": "format libraries", "workers.extract.ocr": "format libraries",
    "workers.extract.ocr_rapid": "format libraries", "workers.extract.office": "format libraries",
    "workers.extract.pdf": "format libraries", "workers.extract.rules": "format libraries",
    "workers.extract.scan_grid": "format libraries", "workers.extract.textenc": "format libraries",
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def test_the_import_contract_is_kept() -> None:
    # in a process of its own: run in-process after a test that imported Scrapy (Twisted,
    # zope.interface), import-linter stopped on a KeyError '__provides__' of its own
    proc = subprocess.run([sys.executable, "-c",
                           "import sys; from importlinter.cli import lint_imports; "
                           f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, "
                           "no_cache=True))"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    loops = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                loops.append(" -> ".join([module, *back]))
    assert not loops, "import loops:\n" + "\n".join(loops)


def _imports_inside_functions(tree: ast.AST) -> list[int]:
    found: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only, never executed
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child.lineno)
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return found


def _declares_lazy(tree: ast.Module) -> bool:
    """A plugin module (a channel, a portal kind, an extractor) may say itself why it loads
    a library lazily, ``LAZY_IMPORTS = "why"`` at module level, instead of a line in LAZY."""
    return any(isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LAZY_IMPORTS"
                                                    for t in node.targets)
               and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
               and bool(node.value.value.strip()) for node in tree.body)


def test_imports_inside_functions_only_load_heavy_libraries_lazily() -> None:
    stray = []
    for name, path in sorted(_modules().items()):
        tree = ast.parse(path.read_text())
        if name in LAZY or ".migrations." in name or _declares_lazy(tree):
            continue
        stray += [f"{path.relative_to(ROOT)}:{line}" for line in _imports_inside_functions(tree)]
    assert not stray, "imports inside functions (move them to the top, or name the module in LAZY with " \
        "why, or say why in the module: LAZY_IMPORTS = \"…\"):\n" + "\n".join(stray)
