"""``eos bench``: time the compiled core against the tools users would otherwise write, in one run.

Every measurement runs GD for a fixed number of steps on the same GF-regime initialisations (so that no run
stops early) and reports M init-steps/s, counting only the steps the core actually took (the sum of
``result.steps``). Peers compute the same map in float64: numpy (always), and numba, JAX, torch eager and
torch.compile where installed (skipped with a note otherwise). eos double must agree with numpy to a relative
1e-12 after the last step, so nothing fast is wrong.

Each measurement runs in its own subprocess, so that its peak memory (VmHWM; C++ allocations are invisible
to tracemalloc) and its thread pool are its own, and so that one peer's runtime cannot slow another.

    python bench/run.py [--quick] [--json PATH]      # or: eos bench ...
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

#: the single-neuron losses of the bench (beta uses β = 1.5) and the mean model
MODELS = ("logistic", "sqrt", "huber", "beta", "mean")
BETA = 1.5
PEERS = ("numpy", "numba", "jax", "torch", "torch.compile")

# GF-regime inputs, far from convergence after a few hundred steps: the single neuron with η y² ≤ 0.0625 (the
# small coordinate shrinks by at most a factor 1 - 0.0625 per step), the mean model well below η* = 8π/d².
SN_ETA = 0.01
MM_ETA, MM_D = 0.002, 10.0


# ---------------------------------------------------------------------------------------------------------
# inputs and the reference map (numpy)


def inputs(model: str, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The initialisations every implementation of a model starts from (float64)."""
    rng = np.random.default_rng(seed)
    if model == "mean":
        return {"A": rng.uniform(0.5, 2.0, n), "b": np.zeros(n)}
    return {"x": rng.uniform(0.2, 1.0, n), "y": rng.uniform(1.0, 2.5, n)}


def beta_constants(beta: float = BETA) -> tuple[float, float]:
    """(c, r) of the loss l_beta (SPEC §1)."""
    return (beta / (beta + 1)) ** beta / (beta + 1), (beta + 1) / beta


def numpy_d1(loss: str) -> Callable[[np.ndarray, np.ndarray], None]:
    """l'(s) written into out, numpy-vectorised."""
    if loss == "logistic":
        return lambda s, out: np.tanh(s, out=out)
    if loss == "sqrt":

        def d1(s: np.ndarray, out: np.ndarray) -> None:
            np.multiply(s, s, out=out)
            out += 1.0
            np.sqrt(out, out=out)
            np.divide(s, out, out=out)

        return d1
    if loss == "huber":
        return lambda s, out: np.clip(s, -1.0, 1.0, out=out)
    c, r = beta_constants()

    def d1_beta(s: np.ndarray, out: np.ndarray) -> None:
        a = np.abs(s)
        inside = a <= r
        np.power(a, BETA, out=out)
        out *= -c
        out += 1.0
        out *= s
        np.copyto(out, np.sign(s), where=~inside)

    return d1_beta


def run_numpy(model: str, init: dict[str, np.ndarray], steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference: the same map in float64, vectorised over initialisations, with preallocated buffers."""
    if model == "mean":
        from scipy.special import erfc

        A, b = init["A"].copy(), init["b"].copy()
        two_d2_eta = 2.0 * MM_D * MM_D * MM_ETA
        c_phi, c_s2 = 1.0 / math.sqrt(2.0 * math.pi), 1.0 / math.sqrt(2.0)
        phi, Phi, g, lp, t = (np.empty_like(A) for _ in range(5))
        for _ in range(steps):
            np.multiply(b, b, out=t)
            t *= -0.5
            np.exp(t, out=phi)
            phi *= c_phi
            np.multiply(b, -c_s2, out=t)
            erfc(t, out=Phi)
            Phi *= 0.5
            np.multiply(b, Phi, out=g)
            g += phi
            np.multiply(A, g, out=lp)
            lp *= 0.5
            np.tanh(lp, out=lp)
            lp *= 0.5
            # A' = A - (2 d² η lp) g,  b' = b - ((η lp) A) Phi: the association order of the core
            np.multiply(lp, MM_ETA, out=t)
            t *= A
            t *= Phi
            b -= t
            np.multiply(lp, two_d2_eta, out=t)
            t *= g
            A -= t
        return A, b
    d1 = numpy_d1(model)
    x, y = init["x"].copy(), init["y"].copy()
    s, g, t = (np.empty_like(x) for _ in range(3))
    for _ in range(steps):
        np.multiply(x, y, out=s)
        d1(s, g)
        g *= SN_ETA  # x' = x - (η l') y,  y' = y - (η l') x
        np.multiply(g, y, out=t)
        np.multiply(g, x, out=s)
        x -= t
        y -= s
    return x, y


# ---------------------------------------------------------------------------------------------------------
# peers other than numpy (each: build(model, init, steps, threads) -> callable returning the final pair)


def build_eos(model: str, init: dict[str, np.ndarray], steps: int, threads: int, precision: str):
    import eos

    def run() -> tuple[np.ndarray, np.ndarray, int]:
        if model == "mean":
            r = eos.mean_model(init["A"], MM_ETA, MM_D, b0=init["b"], precision=precision, max_steps=steps,
                               threads=threads)
            return r.A, r.b, int(r.steps.sum())
        r = eos.single_neuron(init["x"], init["y"], SN_ETA, model, beta=BETA if model == "beta" else None,
                              precision=precision, max_steps=steps, threads=threads)
        return r.x, r.y, int(r.steps.sum())

    return run


def build_numpy(model: str, init: dict[str, np.ndarray], steps: int, threads: int):
    return lambda: run_numpy(model, init, steps)


def build_numba(model: str, init: dict[str, np.ndarray], steps: int, threads: int):
    import numba
    from numba import njit, prange

    numba.set_num_threads(threads)
    if model == "mean":
        c_phi, c_s2 = 1.0 / math.sqrt(2.0 * math.pi), 1.0 / math.sqrt(2.0)
        two_d2_eta, eta = 2.0 * MM_D * MM_D * MM_ETA, MM_ETA

        @njit(parallel=True)
        def kernel(A, b, steps):  # pragma: no cover - compiled
            for i in prange(A.size):
                a, bb = A[i], b[i]
                for _ in range(steps):
                    phi = math.exp(-0.5 * (bb * bb)) * c_phi
                    Phi = math.erfc(bb * -c_s2) * 0.5
                    g = phi + bb * Phi
                    lp = math.tanh(a * g * 0.5) * 0.5
                    a, bb = a - two_d2_eta * lp * g, bb - eta * lp * a * Phi
                A[i], b[i] = a, bb

    else:
        eta = SN_ETA
        c, r = beta_constants()
        beta = BETA
        if model == "logistic":
            d1 = njit(lambda s: math.tanh(s))
        elif model == "sqrt":
            d1 = njit(lambda s: s / math.sqrt(1.0 + s * s))
        elif model == "huber":
            d1 = njit(lambda s: min(max(s, -1.0), 1.0))
        else:
            d1 = njit(lambda s: s * (1.0 - c * abs(s) ** beta) if abs(s) <= r else math.copysign(1.0, s))

        @njit(parallel=True)
        def kernel(x, y, steps):  # pragma: no cover - compiled
            for i in prange(x.size):
                xi, yi = x[i], y[i]
                for _ in range(steps):
                    g = eta * d1(xi * yi)
                    xi, yi = xi - g * yi, yi - g * xi
                x[i], y[i] = xi, yi

    keys = ("A", "b") if model == "mean" else ("x", "y")
    kernel(init[keys[0]][:64].copy(), init[keys[1]][:64].copy(), 2)  # compile outside the timing

    def run() -> tuple[np.ndarray, np.ndarray]:
        u, v = init[keys[0]].copy(), init[keys[1]].copy()
        kernel(u, v, steps)
        return u, v

    return run


def _torch_step(model: str, torch: Any) -> Callable:
    """One GD step on float64 tensors, in the core's association order."""
    if model == "mean":
        c_phi, c_s2 = 1.0 / math.sqrt(2.0 * math.pi), 1.0 / math.sqrt(2.0)
        two_d2_eta = 2.0 * MM_D * MM_D * MM_ETA

        def step(A, b):
            phi = torch.exp(b * b * -0.5) * c_phi
            Phi = torch.special.erfc(b * -c_s2) * 0.5
            g = phi + b * Phi
            lp = torch.tanh(A * g * 0.5) * 0.5
            return A - lp * two_d2_eta * g, b - lp * MM_ETA * A * Phi

        return step
    c, r = beta_constants()
    if model == "logistic":
        d1 = torch.tanh
    elif model == "sqrt":
        d1 = lambda s: s / torch.sqrt(1.0 + s * s)  # noqa: E731
    elif model == "huber":
        d1 = lambda s: torch.clamp(s, -1.0, 1.0)  # noqa: E731
    else:

        def d1(s):
            a = torch.abs(s)
            return torch.where(a <= r, s * (1.0 - c * a**BETA), torch.sign(s))

    def step(x, y):
        g = d1(x * y) * SN_ETA
        return x - g * y, y - g * x

    return step


def build_torch(model: str, init: dict[str, np.ndarray], steps: int, threads: int, compiled: bool = False):
    import torch

    torch.set_num_threads(threads)
    step = _torch_step(model, torch)
    chunk = 10 if compiled else 1  # torch.compile fuses a chunk of steps into one loop over the arrays
    while steps % chunk:
        chunk -= 1

    def steps_of(u, v):
        for _ in range(chunk):
            u, v = step(u, v)
        return u, v

    fn = torch.compile(steps_of, dynamic=False) if compiled else steps_of
    keys = ("A", "b") if model == "mean" else ("x", "y")
    u0, v0 = torch.from_numpy(init[keys[0]]), torch.from_numpy(init[keys[1]])
    if compiled:  # compile for this shape (and grad mode) outside the timing
        with torch.no_grad():
            fn(*fn(u0, v0))

    def run() -> tuple[np.ndarray, np.ndarray]:
        u, v = u0, v0
        with torch.no_grad():
            for _ in range(steps // chunk):
                u, v = fn(u, v)
        return u.numpy(), v.numpy()

    return run


def build_jax(model: str, init: dict[str, np.ndarray], steps: int, threads: int):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.scipy.special import erfc

    class _T:  # the torch-like names _torch_step uses
        exp, tanh, sqrt, abs, sign, where = jnp.exp, jnp.tanh, jnp.sqrt, jnp.abs, jnp.sign, jnp.where
        clamp = staticmethod(lambda s, lo, hi: jnp.clip(s, lo, hi))

        class special:
            erfc = staticmethod(erfc)

    step = _torch_step(model, _T)

    @jax.jit
    def run_all(u, v):
        return jax.lax.fori_loop(0, steps, lambda _, uv: step(*uv), (u, v))

    keys = ("A", "b") if model == "mean" else ("x", "y")
    u0, v0 = jnp.asarray(init[keys[0]]), jnp.asarray(init[keys[1]])
    jax.block_until_ready(run_all(u0, v0))  # compile outside the timing

    def run() -> tuple[np.ndarray, np.ndarray]:
        u, v = jax.block_until_ready(run_all(u0, v0))
        return np.asarray(u), np.asarray(v)

    return run


# ---------------------------------------------------------------------------------------------------------
# one measurement (in a subprocess)


@dataclass
class Spec:
    model: str
    impl: str  # "eos" or a peer name
    precision: str  # "double" for every peer
    threads: int
    n: int
    steps: int
    save: str | None = None  # write the final pair here (npz) for the agreement check


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _peak_kb() -> int:
    hwm = _status_kb("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def measure(spec: Spec, min_time: float = 3.0, max_reps: int = 10) -> dict[str, Any]:
    """Build the implementation (JIT peers compile here, outside the timing), then time runs until min_time has
    passed or max_reps runs are done (just one when it takes longer than min_time) and keep the fastest. Peak
    memory covers build and runs.

    Ten, not three: a call of ~0.1 s (eos double on 10^6 chains) spent 13-80 ms of it on fresh output pages,
    more when they arrived as huge pages, and three runs often missed the fast case (bench/NOTES.md §17); since
    eos's block cache (§22) only a process's first call pays for them (the numpy peer's few buffers are fresh in
    every call, a negligible part of its ~1 s). Three
    seconds, not one: six runs of eos double-double sqrt in one process took 0.42-0.54 s, and a one-second budget
    kept the best of the first three (bench/NOTES.md §19)."""
    base_kb = _status_kb("VmRSS") or _peak_kb()
    init = inputs(spec.model, spec.n)
    if spec.impl == "eos":
        run = build_eos(spec.model, init, spec.steps, spec.threads, spec.precision)
    elif spec.impl == "numpy":
        run = build_numpy(spec.model, init, spec.steps, spec.threads)
    elif spec.impl == "numba":
        run = build_numba(spec.model, init, spec.steps, spec.threads)
    elif spec.impl == "torch":
        run = build_torch(spec.model, init, spec.steps, spec.threads)
    elif spec.impl == "torch.compile":
        run = build_torch(spec.model, init, spec.steps, spec.threads, compiled=True)
    elif spec.impl == "jax":
        run = build_jax(spec.model, init, spec.steps, spec.threads)
    else:
        raise ValueError(f"unknown implementation {spec.impl!r}")
    best, reps, out, cpu = math.inf, 0, None, 0.0
    t_total = time.perf_counter()
    while reps < max_reps:
        c0, t0 = time.process_time(), time.perf_counter()
        out = run()
        dt = time.perf_counter() - t0
        if dt < best:  # CPU seconds (all threads) of the fastest run: shows whether the threads had the cores
            best, cpu = dt, time.process_time() - c0
        reps += 1
        if time.perf_counter() - t_total > min_time:
            break
    assert out is not None
    taken = out[2] if len(out) > 2 else spec.n * spec.steps
    if spec.save:
        np.savez(spec.save, u=np.asarray(out[0], dtype=np.float64), v=np.asarray(out[1], dtype=np.float64))
    return {
        "seconds": best,
        "reps": reps,
        "init_steps": taken,
        "msteps_per_s": taken / best / 1e6,
        "peak_mb": max(_peak_kb() - base_kb, 0) / 1024,
        "cpu_seconds": cpu,
    }


def _worker(spec_json: str) -> int:
    spec = Spec(**json.loads(spec_json))
    print(json.dumps(measure(spec)))
    return 0


# ---------------------------------------------------------------------------------------------------------
# the driver


@dataclass
class Row:
    model: str
    impl: str
    precision: str
    threads: int
    n: int
    steps: int
    msteps_per_s: float | None = None
    ratio_numpy: float | None = None
    peak_mb: float | None = None
    seconds: float | None = None
    init_steps: int | None = None
    max_rel_diff_numpy: float | None = None
    cpu_seconds: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def available_peers() -> dict[str, str | None]:
    """Peer name -> None if usable, else the reason it is skipped."""
    import importlib.util

    notes: dict[str, str | None] = {"numpy": None}
    for name, module in (("numba", "numba"), ("jax", "jax"), ("torch", "torch"), ("torch.compile", "torch")):
        notes[name] = None if importlib.util.find_spec(module) else f"{module} not installed"
    if notes["torch.compile"] is None:
        import shutil

        if not (shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")):
            notes["torch.compile"] = "torch.compile needs a C++ compiler"
    return notes


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu, flags = platform.processor() or platform.machine(), ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("", platform.machine(), platform.processor()):
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    simd = [f for f in ("avx512f", "avx2", "fma", "sse4_2", "neon", "asimd") if f" {f}" in flags]
    import eos._core as core

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "simd": simd,
        "eos_simd": getattr(core, "simd_target", lambda: "unknown")(),
        "max_threads": core.max_threads(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def _run_spec(spec: Spec, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "eos.bench", "--worker", json.dumps(asdict(spec))]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()
        return {"error": tail[-1] if tail else f"exit status {p.returncode}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def plan(models: list[str], precisions: list[str], peers: list[str], n: int, n128: int, steps: int,
         all_threads: int) -> list[Spec]:
    """Every measurement of one bench run, numpy first for each model (the ratios refer to it)."""
    threads = sorted({1, all_threads})
    specs: list[Spec] = []
    for model in models:
        specs.append(Spec(model, "numpy", "double", 1, n, steps))
        for precision in precisions:
            for t in threads:
                specs.append(Spec(model, "eos", precision, t, n128 if precision == "float128" else n, steps))
        for peer in peers:
            if peer == "numpy":
                continue
            # whole machine only: XLA's CPU pool is not per call; torch.compile takes minutes per compilation
            for t in ([all_threads] if peer in ("jax", "torch.compile") else threads):
                specs.append(Spec(model, peer, "double", t, n, steps))
    return specs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=1_000_000, help="initialisations (default 1e6)")
    parser.add_argument("--steps", type=int, default=200, help="GD steps per initialisation (default 200)")
    parser.add_argument("--n-float128", type=int, default=2_000, help="initialisations for float128")
    parser.add_argument("--quick", action="store_true", help="a smoke run: n = 20000, steps = 50")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {MODELS}")
    parser.add_argument("--precisions", default="double,longdouble,double-double,float128",
                        help="eos precisions")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {PEERS}")
    parser.add_argument("--threads", type=int, default=None, help="'all threads' (default: eos.max_threads)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per measurement")
    parser.add_argument("--worker", help=argparse.SUPPRESS)


def format_table(rows: list[Row]) -> str:
    head = ("model", "impl", "precision", "thr", "M init-steps/s", "x numpy", "CPU use", "peak MB",
            "rel diff vs numpy")
    lines = [head]
    for r in rows:
        if r.msteps_per_s is None:
            lines.append((r.model, r.impl, r.precision, str(r.threads), "-", "-", "-", "-", r.note))
            continue
        diff = "" if r.max_rel_diff_numpy is None else f"{r.max_rel_diff_numpy:.1e}"
        use = f"{r.cpu_seconds / r.seconds:.2f}" if r.cpu_seconds and r.seconds else "-"
        lines.append((r.model, r.impl, r.precision, str(r.threads), f"{r.msteps_per_s:.1f}",
                      f"{r.ratio_numpy:.2f}" if r.ratio_numpy else "-", use, f"{r.peak_mb:.0f}", diff + r.note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main(args: argparse.Namespace) -> int:
    if args.worker:
        return _worker(args.worker)
    import eos._core as core

    n, steps, n128 = args.n, args.steps, args.n_float128
    if args.quick:
        n, steps, n128 = min(n, 20_000), min(steps, 50), min(n128, 500)
    models = [m for m in args.models.split(",") if m]
    precisions = [p for p in args.precisions.split(",") if p and (p != "float128" or core.has_float128)]
    notes = available_peers()
    wanted = [p for p in args.peers.split(",") if p]
    bad = [m for m in models if m not in MODELS] + [p for p in wanted if p not in PEERS]
    if bad:
        print(f"unknown model or peer: {', '.join(bad)}", file=sys.stderr)
        return 2
    peers = [p for p in wanted if notes.get(p) is None]
    all_threads = args.threads or core.max_threads()
    info = machine()
    info["load_average_before"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"# eos bench: {n} initialisations x {steps} steps (float128: {n128}); {info['cpu']}, "
          f"{info['cores']} cores, eos SIMD path {info['eos_simd']}, load average {info['load_average_before']}",
          flush=True)
    for p in wanted:
        if notes.get(p):
            print(f"# skipped {p}: {notes[p]}", flush=True)

    rows: list[Row] = []
    numpy_speed: dict[str, float] = {}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for spec in plan(models, precisions, peers, n, n128, steps, all_threads):
            if spec.precision == "double" and (spec.impl in ("numpy", "eos") or spec.threads == all_threads):
                spec.save = os.path.join(tmp, f"{spec.model}-{spec.impl}-{spec.threads}.npz")
            res = _run_spec(spec, args.timeout)
            row = Row(spec.model, spec.impl, spec.precision, spec.threads, spec.n, spec.steps)
            if "error" in res:
                row.note = f"failed: {res['error']}"
                failed = failed or spec.impl in ("eos", "numpy")
            else:
                row.msteps_per_s, row.peak_mb = res["msteps_per_s"], res["peak_mb"]
                row.seconds, row.init_steps = res["seconds"], res["init_steps"]
                row.cpu_seconds = res.get("cpu_seconds")
                if spec.impl == "numpy":
                    numpy_speed[spec.model] = row.msteps_per_s
                if spec.model in numpy_speed:
                    row.ratio_numpy = row.msteps_per_s / numpy_speed[spec.model]
                if row.init_steps != spec.n * spec.steps:
                    row.note = f" (runs stopped early: {row.init_steps} of {spec.n * spec.steps} steps)"
                ref = os.path.join(tmp, f"{spec.model}-numpy-1.npz")
                if spec.save and spec.impl != "numpy" and os.path.exists(ref):
                    a, b = np.load(spec.save), np.load(ref)
                    rel = max(float(np.max(np.abs(a[k] - b[k]) / np.maximum(np.abs(b[k]), 1e-300)))
                              for k in ("u", "v"))
                    row.max_rel_diff_numpy = rel
                    if spec.impl == "eos" and not rel <= 1e-12:
                        row.note += " DISAGREES with numpy (> 1e-12)"
                        failed = True
            rows.append(row)
            ratio = f"{row.ratio_numpy:6.2f}x numpy" if row.ratio_numpy else ""
            speed = f"{row.msteps_per_s:9.1f} M/s" if row.msteps_per_s is not None else ""
            print(f"  {spec.model:8s} {spec.impl:13s} {spec.precision:10s} {spec.threads:2d} thr {speed} {ratio}"
                  f"{row.note}", flush=True)
    info["load_average_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print()
    print(format_table(rows))
    print("\nCPU use: CPU seconds / wall seconds of the timed run (about the thread count when the machine is idle).")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "n": n, "steps": steps, "n_float128": n128, "beta": BETA,
                       "skipped": {p: notes[p] for p in wanted if notes.get(p)},
                       "rows": [asdict(r) for r in rows]}, f, indent=1)
        print(f"\nwrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="eos bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
