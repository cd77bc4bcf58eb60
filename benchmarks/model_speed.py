"""Per-step cost of the sequence models, and the effect of shot noise on a model's proposals.

Produced: docs/models.md, the speed table and the open-loop shot-noise table.

Run ``python -m benchmarks.model_speed`` for the speed table: for each architecture at
p = 1, 2, 3, the NumPy inference step at batch 1 (what the frozen policy pays per optimizer
iteration; the budget is 0.5 ms), a torch forward step at batch 1 (no grad), and a torch training
step at batch 64 (forward + backward, averaged over a 10-step unroll). ``--shot-noise`` adds the
shot-noise study of :func:`shot_noise_study` (QLSTM through Qiskit estimators at 256/1024/4096
shots). Timings are the best of several interleaved rounds (robust to other load on the machine);
a calibration line (``sum(range(10**6))``) lets numbers from different machines be compared.

Example:
    >>> rows = measure(["lstm"], [1], rounds=1, torch_too=False)
    >>> sorted(rows[0])
    ['arch', 'num_parameters', 'numpy_b1_us', 'p']
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["calibration_ms", "main", "measure", "shot_noise_study"]

ARCHS = ("qlstm", "qklstm", "qfwp", "lstm")
NUMPY_BUDGET_US = 500.0


def _best(fn: Callable[[], None], inner: int) -> float:
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def calibration_ms() -> float:
    """Best of 5 timings of ``sum(range(10**6))`` in ms (~15-20 ms on an idle modern core)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        sum(range(10**6))
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def measure(
    archs: Sequence[str] = ARCHS,
    ps: Sequence[int] = (1, 2, 3),
    *,
    rounds: int = 5,
    torch_too: bool = True,
    torch_batch: int = 64,
    unroll: int = 10,
    num_features: int = 4,
) -> list[dict[str, Any]]:
    """Time one step of every (arch, p); best over ``rounds`` interleaved rounds.

    Returns rows with ``numpy_b1_us`` and, with ``torch_too``, ``torch_b1_fwd_us`` and
    ``torch_train_ms`` (batch ``torch_batch``, forward + backward per step of an ``unroll``-step
    unroll, one torch thread).
    """
    from qlstm_optimizer.models import init_numpy_model

    cases = []
    for arch in archs:
        for p in ps:
            model = init_numpy_model(arch, p, seed=0)
            feats, params = np.zeros((1, num_features)), np.zeros((1, 2 * p))
            state = model.initial_state(1)
            model.step(feats, params, state)  # warm caches (specs, memoised layer matrices)
            row = {"arch": arch, "p": p, "num_parameters": model.num_parameters,
                   "numpy_b1_us": float("inf")}  # fmt: skip
            fns = {"numpy_b1_us": (lambda m=model, f=feats, x=params, s=state: m.step(f, x, s),
                                   50, 1e6)}  # fmt: skip
            if torch_too:
                fns.update(_torch_cases(model, torch_batch, unroll))
                row.update({k: float("inf") for k in fns})
            cases.append((row, fns))
    for _ in range(rounds):
        for row, fns in cases:
            for key, (fn, inner, scale) in fns.items():
                row[key] = min(row[key], _best(fn, inner) * scale)
    return [row for row, _ in cases]


def _torch_cases(model: Any, batch: int, unroll: int) -> dict[str, tuple]:
    import torch

    from qlstm_optimizer.models.torch_model import TorchSequenceModel

    torch.set_num_threads(1)  # tiny tensors: threading only adds overhead
    tm = TorchSequenceModel.from_numpy(model)
    p, nf = model.p, model.config["num_features"]
    gen = torch.Generator().manual_seed(0)
    f = torch.randn(batch, nf, generator=gen, dtype=torch.float64)
    x = torch.randn(batch, 2 * p, generator=gen, dtype=torch.float64)
    f1, x1 = f[:1], x[:1]

    def fwd() -> None:
        with torch.no_grad():
            tm.step(f1, x1, tm.initial_state(1))

    def train() -> None:
        state, loss = tm.initial_state(batch), 0.0
        for _ in range(unroll):
            y, state = tm.step(f, x, state)
            loss = loss + y.square().sum()
        loss.backward()

    return {"torch_b1_fwd_us": (fwd, 20, 1e6), "torch_train_ms": (train, 1, 1e3 / unroll)}


# ------------------------------------------------------------------------------------------------
# shot noise
# ------------------------------------------------------------------------------------------------
def _estimator(kind: str, seed: int) -> Any:
    if kind == "aer":
        from qiskit_aer.primitives import EstimatorV2

        # Aer adds N(0, precision) to exact expectation values; no seed: fresh noise per call.
        return EstimatorV2()
    if kind == "backend":
        from qiskit.primitives import BackendEstimatorV2
        from qiskit_aer import AerSimulator

        # Really samples ceil(1 / precision^2) shots per circuit and measurement basis.
        return BackendEstimatorV2(backend=AerSimulator(seed_simulator=seed))
    raise ValueError(f"unknown estimator kind {kind!r}; use 'aer' or 'backend'")


def shot_noise_study(
    model: Any,
    shots: Sequence[int] = (256, 1024, 4096),
    *,
    steps: int = 5,
    repeats: int = 32,
    kind: str = "backend",
    only: Sequence[str] | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """How finite shots in the VQCs change a model's raw proposals ``y``.

    A fixed open-loop input sequence (random features and parameters, the same for every repeat)
    is fed for ``steps`` steps to the exact model and to ``repeats`` copies (one batch) whose
    VQCs run on a Qiskit estimator at ``precision = 1/sqrt(shots)``; the recurrent state carries
    the noise forward. Reported per shot count: RMS and max ``|y_shots - y_exact|`` over repeats,
    steps and outputs, RMS per step, and the RMS exact ``|y|`` for scale.

    Args:
        model: a :class:`~qlstm_optimizer.models.NumpySequenceModel` with VQCs.
        shots: shot counts to try.
        kind: ``"backend"`` (BackendEstimatorV2 on AerSimulator: real sampling) or ``"aer"``
            (Aer EstimatorV2: exact values + Gaussian noise of std ``precision``).
        only: names of the VQCs that get shot noise (see ``model.vqc_specs()``); the others
            are exact. Default: all of them.
    """
    rng = np.random.default_rng(seed)
    nf, p = model.config["num_features"], model.p
    feats = rng.normal(0.0, 1.0, (steps, 1, nf))
    params = rng.normal(0.0, 0.5, (steps, 1, 2 * p))
    state = model.initial_state(1)
    exact = []
    for t in range(steps):
        y, state = model.step(feats[t], params[t], state)
        exact.append(y[0])
    exact = np.asarray(exact)  # (steps, 2p)
    rows = []
    for s in shots:
        noisy = model.with_estimator(
            _estimator(kind, seed + s), precision=1.0 / np.sqrt(s), only=only
        )
        state = noisy.initial_state(repeats)
        devs = []
        t0 = time.perf_counter()
        for t in range(steps):
            y, state = noisy.step(np.repeat(feats[t], repeats, 0),
                                  np.repeat(params[t], repeats, 0), state)  # fmt: skip
            devs.append(y - exact[t])
        devs = np.asarray(devs)  # (steps, repeats, 2p)
        rows.append({
            "shots": int(s),
            "estimator": kind,
            "noisy_vqcs": "all" if only is None else ",".join(only),
            "rms_dev": float(np.sqrt(np.mean(devs**2))),
            "max_dev": float(np.max(np.abs(devs))),
            "rms_dev_per_step": [float(v) for v in np.sqrt(np.mean(devs**2, axis=(1, 2)))],
            "rms_exact_y": float(np.sqrt(np.mean(exact**2))),
            "estimator_calls": noisy.ops.num_calls,
            "seconds": time.perf_counter() - t0,
        })  # fmt: skip
    return rows


# ------------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------------
def _print_speed(rows: list[dict[str, Any]], calib: float) -> None:
    print(f"calibration: sum(range(10**6)) = {calib:.1f} ms (idle modern core: ~15-20 ms)")
    head = f"{'arch':7s} {'p':>2s} {'params':>6s} {'numpy B=1':>10s} {'<0.5ms':>6s}"
    torch_cols = "torch_train_ms" in rows[0]
    if torch_cols:
        head += f" {'torch B=1 fwd':>13s} {'torch B=64 fwd+bwd':>18s}"
    print(head)
    for r in rows:
        ok = "ok" if r["numpy_b1_us"] < NUMPY_BUDGET_US else "SLOW"
        line = (f"{r['arch']:7s} {r['p']:2d} {r['num_parameters']:6d} "
                f"{r['numpy_b1_us']:8.0f}us {ok:>6s}")  # fmt: skip
        if torch_cols:
            line += f" {r['torch_b1_fwd_us']:11.0f}us {r['torch_train_ms']:16.2f}ms"
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.model_speed",
                                 description=__doc__.split("\n\n")[0])  # fmt: skip
    ap.add_argument("--arch", nargs="+", default=list(ARCHS), choices=ARCHS)
    ap.add_argument("--p", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (best kept)")
    ap.add_argument("--no-torch", action="store_true", help="NumPy timings only")
    ap.add_argument("--shot-noise", action="store_true", help="also run the shot-noise study")
    ap.add_argument("--shot-noise-p", type=int, default=1)
    ap.add_argument("--model", help="model card (JSON) for the shot-noise study; default: a "
                                    "random-initialised (untrained) QLSTM")  # fmt: skip
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args(argv)

    calib = calibration_ms()
    rows = measure(args.arch, args.p, rounds=args.rounds, torch_too=not args.no_torch)
    _print_speed(rows, calib)
    out: dict[str, Any] = {"calibration_ms": calib, "speed": rows}
    if args.shot_noise:
        from qlstm_optimizer.models import init_numpy_model, load_model

        if args.model:
            model, label = load_model(args.model), args.model
        else:
            model = init_numpy_model("qlstm", args.shot_noise_p, seed=0)
            label = f"random-initialised (untrained) qlstm p={args.shot_noise_p}, seed 0"
        print(f"\nshot noise, {label}: |y_shots - y_exact| over 5 steps x 32 repeats")
        out["shot_noise"] = {"model": label, "rows": []}
        names = sorted(model.vqc_specs())
        scopes: list[tuple[str, Any]] = [("all VQCs", None)]
        if model.arch == "qlstm":
            scopes += [("gates VQC1-4", [n for n in names if n[3] in "1234"]),
                       ("VQC5+6", [n for n in names if n[3] in "56"])]  # fmt: skip
        runs = [("backend", label, only) for label, only in scopes] + [("aer", "all VQCs", None)]
        for kind, scope, only in runs:
            try:
                study = shot_noise_study(model, kind=kind, only=only)
            except ValueError as exc:  # e.g. all six VQCs share one qubit count: one group
                print(f"  {kind:7s} {scope:12s} not separable for this model: {exc}")
                continue
            for r in study:
                out["shot_noise"]["rows"].append(r)
                steps = " ".join(f"{v:.4f}" for v in r["rms_dev_per_step"])
                print(f"  {kind:7s} {scope:12s} shots {r['shots']:5d}: rms {r['rms_dev']:.4f} "
                      f"max {r['max_dev']:.4f} (rms |y| {r['rms_exact_y']:.4f}); "
                      f"per step {steps}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
