"""What only a separate process can show: Ctrl-C, two OpenMP runtimes (torch + eos), memory, the CLI."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import eos


def run_python(code, **kw):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, **kw)


@pytest.mark.parametrize("precision,n", [("longdouble", 2000), ("double", 10**6)])  # double: a 2^28-step first round
def test_ctrl_c_interrupts_a_long_call_within_about_a_second(precision, n):
    code = (
        "import sys, time, numpy as np, eos\n"
        "print('running', flush=True)\n"
        "t = time.time()\n"
        "try:\n"
        # on the diagonal x = y GD creeps to the origin and never converges: an endless call
        f"    eos.single_neuron(np.ones({n}), np.ones({n}), 1e-3, max_steps=10**15, precision='{precision}')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True); sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "running"
    time.sleep(1.0)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=20)
    elapsed = time.monotonic() - sent
    assert p.returncode == 0 and "interrupted" in out
    assert elapsed < 1.5


@pytest.mark.parametrize("first", ["torch", "eos"])
def test_torch_and_eos_in_one_process(first):
    pytest.importorskip("torch")
    second = "eos" if first == "torch" else "torch"
    code = (
        f"import {first}, {second}, numpy as np\n"
        "a = torch.ones(256, 256, dtype=torch.float64) @ torch.ones(256, 256, dtype=torch.float64)\n"
        "r = eos.single_neuron(np.linspace(0.1, 2, 1000), 5.0, 0.05, threads=2, max_steps=20000)\n"
        "b = torch.ones(256, 256, dtype=torch.float64) @ torch.ones(256, 256, dtype=torch.float64)\n"
        "print(float(a[0, 0]), float(b[0, 0]), float(r.y.astype(float).sum()))\n"
    )
    res = run_python(code)
    assert res.returncode == 0, res.stderr
    a, b, s = map(float, res.stdout.split())
    assert a == b == 256.0
    ref = eos.single_neuron(np.linspace(0.1, 2, 1000), 5.0, 0.05, max_steps=20000)
    assert s == float(ref.y.astype(float).sum())


def test_a_million_runs_need_well_under_200_MB_beyond_inputs_and_outputs():
    code = (
        "import numpy as np, eos\n"
        "def hwm():\n"
        "    return int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]) * 1024\n"
        "n = 10**6\n"
        "x0 = np.full(n, 0.5, np.longdouble); y0 = np.full(n, 3.0, np.longdouble); eta = np.full(n, 0.1, np.longdouble)\n"
        "eos.single_neuron(x0[:10], y0[:10], eta[:10], max_steps=2)  # load everything lazily imported\n"
        "before = hwm()\n"
        "r = eos.single_neuron(x0, y0, eta, max_steps=5)\n"
        "outputs = sum(getattr(r, f).nbytes for f in ('x','y','steps','converged','diverged','sharpness','gap','t_cross','s_cross','band_steps','flips'))\n"
        "print(hwm() - before - outputs)\n"
    )
    res = run_python(code)
    assert res.returncode == 0, res.stderr
    extra = int(res.stdout)
    assert extra < 100 * 2**20, f"{extra / 2**20:.0f} MiB beyond inputs and outputs"


def test_cli_single_neuron_json_matches_the_api():
    res = subprocess.run([sys.executable, "-m", "eos", "single-neuron", "--x0", "3", "--y0", "6", "--eta", "0.1",
                          "--loss", "sqrt", "--json"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    r = eos.single_neuron(3, 6, np.longdouble("0.1"), "sqrt")  # the CLI parses --eta straight to long double
    assert out["steps"] == r.steps and out["gap"] == float(r.gap) and out["t_cross"] == r.t_cross
    assert out["y"] == float(r.y) and out["converged"] is True and out["loss"] == "sqrt"


def test_cli_mean_model_text_output():
    res = subprocess.run([sys.executable, "-m", "eos", "mean-model", "--A0", "1", "--eta", "7.853981633974483e-4",
                          "--d", "200"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    fields = dict(map(str.strip, line.split(": ", 1)) for line in res.stdout.splitlines())
    assert float(fields["b"]) <= -0.087 and fields["converged"] == "True"


def test_cli_bad_input_names_the_argument():
    res = subprocess.run([sys.executable, "-m", "eos", "single-neuron", "--x0", "3", "--y0", "6", "--eta", "-1"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "eta must be > 0" in res.stderr


def test_cli_help_lists_the_subcommands():
    res = subprocess.run([sys.executable, "-m", "eos", "--help"], capture_output=True, text=True, timeout=60)
    for sub in ("single-neuron", "mean-model", "reproduce", "bench"):
        assert sub in res.stdout


def test_cli_precision_auto_reports_its_choice():
    res = subprocess.run([sys.executable, "-m", "eos", "single-neuron", "--x0", "3", "--y0", "6", "--eta", "0.1",
                          "--loss", "sqrt", "--precision", "auto", "--digits", "12", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["precision"] == "double-double"  # double gives ~1e-12 here: not 12 digits
