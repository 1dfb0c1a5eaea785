#!/usr/bin/env python
"""Time the eos core against numpy, numba, JAX and torch in one run: a thin wrapper of ``eos bench``.

    python bench/run.py [--quick] [--json bench/results.json]

See python/eos/bench.py for what is measured and bench/NOTES.md for the experiments behind the kernels.
"""
import argparse
import sys

from eos import bench

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/run.py", description=bench.__doc__.splitlines()[0])
    bench.add_arguments(parser)
    sys.exit(bench.main(parser.parse_args()))
