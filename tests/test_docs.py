"""The examples in README.md and in the package's docstrings, run as doctests: the documented outputs are
what the code prints."""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import eos

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.skipif(np.finfo(np.longdouble).nmant != 63, reason="README's outputs are x87 long double digits")
def test_readme_examples_print_what_they_show():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {"np": np, "eos": eos}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert len(test.examples) >= 3
    assert runner.failures == 0


def _modules_with_examples():
    """The package's modules whose docstrings hold examples; without the optional torch, eos.nn is left out (its own
    tests skip likewise)."""
    finder = doctest.DocTestFinder()
    for info in pkgutil.walk_packages(eos.__path__, "eos."):
        if info.name in ("eos._core", "eos.__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ModuleNotFoundError as e:
            if e.name == "torch":
                continue
            raise
        if any(t.examples for t in finder.find(module)):
            yield info.name


@pytest.mark.parametrize("name", list(_modules_with_examples()))
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.failed == 0
