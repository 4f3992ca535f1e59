"""The mutation harness (benchmarks/mutation/mutate.py, issue 9) really executes its mutants.

Found the hard way: pytest's assertion rewriter, a meta-path hook ahead of every other, claims the
packages of an editable distribution that registers a pytest11 plugin (overspec: numerics/ and
theory/ too) and loaded their original source, so every mutant "survived" unexecuted. The child
now runs pytest with ``--assert=plain`` and checks, after the tests, that the module was loaded
by the mutant's loader; a run where it was not stops without a report.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = r"""
import sys
sys.path.insert(0, 'benchmarks/mutation')
import mutate as M
path = 'numerics/ss18/table.py'
src = (M.ROOT / path).read_text()
before = M._served(path)                      # not imported yet: nothing to check
if sys.argv[1] == 'mutant':
    x = M.enumerate_mutants(path, src)[0]
    M._install_mutant(path, M.mutated_code(path, src, x.index))
import numerics.ss18.table
print(before, M._served(path))
"""


def _run(mode: str) -> str:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, cwd=ROOT,
                         check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    return out.stdout.strip()


def test_a_mutant_import_is_served_by_the_mutant_loader():
    assert _run("mutant") == "True True"


def test_a_module_loaded_by_another_loader_is_reported_not_served():
    """The control: the same module imported without the mutant (any other loader) → False,
    which makes the child exit with NOT_SERVED and the harness stop."""
    assert _run("plain") == "True False"
