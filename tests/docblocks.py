"""Find the Python examples of README.md and the docs pages, and tell which can run alone.

A block is a ```` ```python ```` fence in Markdown or a ``.. code-block:: python`` directive
in reStructuredText. Every block must compile. A block also runs (see tests/test_docs.py)
when it is complete: every name it reads at module level is defined by the block itself,
is a builtin, or is one of :data:`PROVIDED` (settings names, so that settings fragments
such as ``INSTALLED_APPS += [...]`` run, and ``request``). A block that is complete but must
not run (it imports your own project's modules, say) is marked by the line just before it:
``.. compile-only: <why>`` in reStructuredText, ``<!-- compile-only: <why> -->`` in Markdown.
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

#: Names a block may use without defining them; tests/test_docs.py provides them.
PROVIDED = frozenset(
    {
        "BASE_DIR",
        "DATABASES",
        "DJANGO_CONVERT",
        "INSTALLED_APPS",
        "MIDDLEWARE",
        "TASKS",
        "TEMPLATES",
        "request",
    }
)

_FENCE = re.compile(r"^( *)```python[ \t]*\n(.*?)^\1```", re.DOTALL | re.M)
_RST_DIRECTIVE = re.compile(r"^( *)\.\. (?:code-block|sourcecode|code):: +python3? *$")
_RST_MARK = re.compile(r"^ *\.\. compile-only\b")
_MD_MARK = re.compile(r"^ *<!-- *compile-only\b")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the fence or directive
    code: str
    compile_only: bool

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def free_names(self) -> set[str]:
        return free_names(self.code)

    @property
    def runnable(self) -> bool:
        try:
            return not self.compile_only and self.free_names() <= PROVIDED
        except SyntaxError:
            return False  # test_example_compiles reports it


def _previous_nonblank(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index]):
        if line.strip():
            return line
    return ""


def markdown_blocks(path: Path) -> list[Block]:
    """The ```python fences of a Markdown file, dedented as a reader would copy them."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        mark = _MD_MARK.match(_previous_nonblank(lines, line - 1)) is not None
        blocks.append(Block(path, line, textwrap.dedent(match.group(2)), mark))
    return blocks


def rst_blocks(path: Path) -> list[Block]:
    """The ``.. code-block:: python`` bodies of a reStructuredText file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        directive = _RST_DIRECTIVE.match(lines[index])
        if directive is None:
            index += 1
            continue
        indent = len(directive.group(1))
        start = index
        mark = _RST_MARK.match(_previous_nonblank(lines, index)) is not None
        index += 1
        # Options (":caption: ...") directly under the directive, then the indented body.
        while index < len(lines) and re.match(r"^ +:[\w-]+:", lines[index]):
            index += 1
        body: list[str] = []
        while index < len(lines) and (
            not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > indent
        ):
            body.append(lines[index])
            index += 1
        code = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
        blocks.append(Block(path, start + 1, code, mark))
    return blocks


def doc_files() -> list[Path]:
    """README.md and every page of the docs site (pages written later included)."""
    pages = sorted(
        path for path in DOCS.rglob("*.rst") if "_build" not in path.relative_to(DOCS).parts
    )
    return [ROOT / "README.md", *pages]


def all_blocks() -> list[Block]:
    blocks: list[Block] = []
    for path in doc_files():
        blocks.extend(markdown_blocks(path) if path.suffix == ".md" else rst_blocks(path))
    return blocks


def blocks_containing(text: str) -> list[Block]:
    """The blocks (docs pages, README) whose code contains ``text``."""
    return [block for block in all_blocks() if text in block.code]


def free_names(code: str) -> set[str]:
    """Names read at module level before the block defines them (builtins excluded).

    Function and class bodies are not looked into: they run only when called.
    """
    defined: set[str] = set(dir(builtins))
    free: set[str] = set()
    for statement in ast.parse(code).body:
        loads, stores = _names(statement)
        free |= loads - stores - defined
        defined |= stores
    return free


def _names(statement: ast.stmt) -> tuple[set[str], set[str]]:
    loads: set[str] = set()
    stores: set[str] = set()
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        stores.add(statement.name)
        outer: list[ast.AST] = list(statement.decorator_list)
        if isinstance(statement, ast.ClassDef):
            outer += [*statement.bases, *statement.keywords]
        else:
            outer += [*statement.args.defaults, *statement.args.kw_defaults]
        nodes = [node for part in outer if part is not None for node in ast.walk(part)]
    else:
        nodes = list(ast.walk(statement))
    for node in nodes:
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, ast.alias):
            stores.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):  # lambda and comprehension-local arguments
            stores.add(node.arg)
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        # "X += ..." reads X first: X must exist before the block.
        loads.add(statement.target.id)
        stores.discard(statement.target.id)
    return loads, stores
