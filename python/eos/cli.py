"""The ``eos`` command: run a model from the shell, reproduce the paper, benchmark the core."""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import fields
from typing import Sequence

import numpy as np

#: subcommands implemented in their own modules: name -> (module, help); each module provides
#: add_arguments(parser) and main(args) -> exit code
_DELEGATED = {
    "reproduce": ("eos.reproduce", "reproduce the paper's figures with a checked report"),
    "bench": ("eos.bench", "time the core against numpy and other peers"),
}


def _real(text: str) -> np.longdouble:
    """Parse a number straight to long double, so --eta 0.1 is the long double nearest 0.1, not a double."""
    try:
        return np.longdouble(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a real number: {text!r}") from None


def _common(p: argparse.ArgumentParser,
            precisions: tuple[str, ...] = ("double", "longdouble", "double-double", "float128")) -> None:
    p.add_argument("--precision", default="longdouble", choices=precisions)
    p.add_argument("--max-steps", type=int, default=1_000_000)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--json", action="store_true", help="print one JSON object (extended values rounded to float64)")


def _print_result(result, as_json: bool) -> None:
    values = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "trajectory"}
    if as_json:
        print(json.dumps({k: _jsonable(v) for k, v in values.items()}))
        return
    width = max(map(len, values))
    for key, value in values.items():
        print(f"{key:>{width}}: {value!s}")  # str(): all digits of a long double, unlike format()


def _jsonable(value):
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        return (a.astype(np.float64) if a.dtype == np.longdouble else a).tolist()
    return value


def _single_neuron(args: argparse.Namespace) -> int:
    from .models import single_neuron

    r = single_neuron(args.x0, args.y0, args.eta, args.loss, beta=args.beta, precision=args.precision,
                      digits=args.digits, max_steps=args.max_steps, band=tuple(args.band), threads=args.threads, progress=args.progress)
    _print_result(r, args.json)
    return 0


def _mean_model(args: argparse.Namespace) -> int:
    from .models import mean_model

    r = mean_model(args.A0, args.eta, args.d, b0=args.b0, precision=args.precision, max_steps=args.max_steps,
                   threads=args.threads, progress=args.progress)
    _print_result(r, args.json)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="eos", description="Gradient descent at the edge of stability, in extended precision.")
    from . import __version__

    top.add_argument("--version", action="version", version=f"eos {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("single-neuron", help="GD on f(x, y) = l(xy) from one initialisation",
                       description="GD  x' = x - eta l'(xy) y,  y' = y - eta l'(xy) x  from (x0, y0).")
    p.add_argument("--x0", type=_real, required=True)
    p.add_argument("--y0", type=_real, required=True)
    p.add_argument("--eta", type=_real, required=True)
    p.add_argument("--loss", default="logistic", choices=("logistic", "sqrt", "huber", "beta"))
    p.add_argument("--beta", type=float, default=None, help="exponent of loss 'beta' (> 1)")
    p.add_argument("--band", type=float, nargs=2, default=(2.0, 2.5), metavar=("LO", "HI"),
                   help="band of eta*y^2 whose visits band_steps counts")
    p.add_argument("--digits", type=int, default=None,
                   help="with --precision auto: significant digits of the gap wanted (default 3)")
    _common(p, ("double", "longdouble", "double-double", "float128", "auto"))
    p.set_defaults(run=_single_neuron)

    p = sub.add_parser("mean-model", help="GD on the mean model (A, b) from one initialisation",
                       description="GD on the mean model A' = A - 2d^2 eta l'(A g(b)) g(b), b' = b - eta l'(A g(b)) A g'(b).")
    p.add_argument("--A0", type=_real, required=True)
    p.add_argument("--eta", type=_real, required=True)
    p.add_argument("--d", type=_real, required=True)
    p.add_argument("--b0", type=_real, default=np.longdouble(0))
    _common(p)
    p.set_defaults(run=_mean_model)

    for name, (module, help_text) in _DELEGATED.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(module=module)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = parser()
    # Delegated subcommands own their arguments: parse the command name first, then hand over.
    if argv and argv[0] in _DELEGATED:
        module = importlib.import_module(_DELEGATED[argv[0]][0])
        p = argparse.ArgumentParser(prog=f"eos {argv[0]}", description=_DELEGATED[argv[0]][1])
        module.add_arguments(p)
        return int(module.main(p.parse_args(argv[1:])))
    args = top.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as exc:
        top.exit(2, f"eos {args.command}: error: {exc}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
