"""The layers of the house: serving (app) -> model library (recmodel) <- trainer.

The model library is what serving and the trainer share (artifacts, factor form, operator,
live history, numpy evaluation): it imports neither of them, nor torch. The trainer imports
nothing from the service either; only the command line (app/cli) mounts its commands.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 300


def _imports(path: Path) -> set[str]:
    """Every absolute module an import statement of `path` names, at any depth."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module or "")
    return names


def _taken(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = sorted(n for n in _imports(path)
                     if any(n == f or n.startswith(f + ".") for f in forbidden))
        if bad:
            out[str(path.relative_to(ROOT))] = bad
    return out


def test_the_model_library_imports_no_service_no_trainer_and_no_torch() -> None:
    assert _taken("recmodel", ("app", "trainer", "torch", "torch_geometric", "tests")) == {}


def test_the_trainer_imports_nothing_from_the_service() -> None:
    assert _taken("trainer", ("app", "tests", "bench")) == {}


def test_only_the_command_line_mounts_the_trainer() -> None:
    taken = _taken("app", ("trainer",))
    assert set(taken) == {"app/cli/main.py"}, taken


# A finder that refuses torch: an import of it raises ImportError, as where the `train`
# extra is not installed. (A None in sys.modules would also break scipy, which probes
# sys.modules for torch arrays.)
BLOCK_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torch_geometric"):
            raise ImportError(f"blocked: {name}")
sys.meta_path.insert(0, _NoTorch())
"""


def _run_without_torch(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK_TORCH + code], cwd=ROOT,
                          capture_output=True, text=True)


def test_serving_and_the_cli_start_with_torch_blocked() -> None:
    """`profilegraph serve` and the API process: with torch unimportable, the app, its
    composition root, the model library and the whole CLI (trainer commands mounted) load."""
    done = _run_without_torch(
        "import app.wiring, recmodel.artifact, recmodel.factors, recmodel.operator\n"
        "import recmodel.numpy_eval, recmodel.live_history\n"
        "from typer.main import get_command\n"
        "from app.cli.main import app as cli\n"
        "from app.main import create_app\n"
        "create_app()\n"
        "names = set(get_command(cli).commands)\n"
        "assert {'serve', 'build-model', 'train', 'train-loop', 'evaluate'} <= names, names\n"
        "assert 'torch' not in sys.modules\n"
    )
    assert done.returncode == 0, done.stderr


def test_the_blocker_would_catch_a_torch_import() -> None:
    """The check above proves something: the same blocker fails the trainer's model."""
    done = _run_without_torch("import trainer.lightgcn.model\n")
    assert done.returncode != 0 and "blocked: torch" in done.stderr


def test_no_model_or_trainer_file_is_over_the_size_limit() -> None:
    long = {str(p.relative_to(ROOT)): n for pkg in ("recmodel", "trainer")
            for p in (ROOT / pkg).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
