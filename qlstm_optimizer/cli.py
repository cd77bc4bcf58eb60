"""``qlstm-optimizer`` command line: list, info, demo, bench, train.

Every command exits non-zero with one line ``qlstm-optimizer: error: <message>`` on stderr for
bad arguments (status 2, as argparse), bad input or files (a ValueError, TypeError, OSError or
MemoryError such as an unknown model, a tampered card, a statevector too large: status 2) or a
missing optional dependency (with the extra to install). Set ``QLSTM_DEBUG=1`` to get the full
traceback instead; other exceptions (bugs) always show theirs. Ctrl-C exits with status 130.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

PROG = "qlstm-optimizer"

# Where a missing module comes from (ModuleNotFoundError.name -> what to install).
_INSTALL_HINTS = {
    "torch": "pip install 'qlstm-optimizer[train]'",
    "tqdm": "pip install 'qlstm-optimizer[train]'",
    "matplotlib": "pip install matplotlib (or 'qlstm-optimizer[train]')",
    "qiskit_aer": "pip install 'qlstm-optimizer[aer]'",
    "qiskit_optimization": "pip install 'qlstm-optimizer[optimization]'",
    "networkx": "pip install 'qlstm-optimizer[optimization]'",
    "optuna": "pip install 'qlstm-optimizer[optuna]'",
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage is one ``--help`` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _cmd_list(args: argparse.Namespace) -> int:
    from .pretrained import list_pretrained, load_pretrained

    for name in list_pretrained():
        pre = load_pretrained(name)
        card = pre.card
        metrics = card.get("metrics", {})
        summary = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()
                            if isinstance(v, float) and k.startswith("val_rho"))
        # a depth-general model serves a range of depths (its config p is its Fourier modes)
        depths = (f"1..{pre.depth.max_depth}" if pre.depth is not None
                  else card.get("config", {}).get("p", "?"))
        print(f"{name:22s} {card.get('arch', '?'):7s} p={depths!s:6s} "
              f"{card.get('family', '?'):7s} {summary}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .pretrained import is_card_path, load_card, load_pretrained

    # A card path is loaded (and checked) as every adapter loads model="runs/x/x.json".
    model = load_card(args.name) if is_card_path(args.name) else load_pretrained(args.name)
    print(json.dumps(model.card, indent=2, sort_keys=True))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import main

    return main(n=args.n, edge_prob=args.edge_prob, seed=args.seed, p=args.p,
                maxfev=args.maxfev, out=args.out)


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench.suite import run_cli

    return run_cli(args)


def _cmd_train(args: argparse.Namespace) -> int:
    from .training.cli import run_train

    return run_train(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Pretrained quantum-LSTM optimizer for QAOA: models, demo, benchmarks, train.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list the bundled models").set_defaults(func=_cmd_list)

    info = sub.add_parser("info", help="print a model card (bundled model or card path)")
    info.add_argument("name", help="bundled model name (maxcut-p1) or model card path "
                      "(runs/my-model/my-model.json)")
    info.set_defaults(func=_cmd_info)

    demo = sub.add_parser("demo", help="Max-Cut QAOA with a bundled model next to COBYLA (Qiskit)")
    demo.add_argument("--n", type=int, default=10, help="number of nodes (default 10)")
    demo.add_argument("--edge-prob", type=float, default=0.5, help="edge probability")
    demo.add_argument("--reps", "--p", dest="p", type=int, default=1,
                      help="QAOA depth, Qiskit's reps (default 1; any depth the bundled Max-Cut "
                           "models serve, 1..16; the exact optimum for rho takes a minute at 16)")
    demo.add_argument("--seed", type=int, default=2024, help="graph and sampler seed")
    demo.add_argument("--maxfev", type=int, default=20, help="QLSTM evaluation budget")
    demo.add_argument("--out", default="demo_out", help="directory for the convergence plot")
    demo.set_defaults(func=_cmd_demo)

    bench = sub.add_parser("bench", help="sample-efficiency benchmark against every baseline")
    try:
        from .bench.suite import add_bench_arguments

        add_bench_arguments(bench)
    except ImportError:  # the suite lands with the benchmark issue
        pass
    bench.set_defaults(func=_cmd_bench)

    train = sub.add_parser("train", help="meta-train a model from a TOML config (needs torch)")
    try:
        from .training.cli import add_train_arguments

        add_train_arguments(train)
    except ImportError:  # torch missing: `train` then reports how to install it
        pass
    train.set_defaults(func=_cmd_train)
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        hint = _INSTALL_HINTS.get(exc.name.partition(".")[0])
        return f"{text} ({hint})" if hint else text
    if isinstance(exc, OSError) and exc.filename is not None and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    if not isinstance(exc, (ValueError, OSError, MemoryError)):  # TypeError, KeyError: a bug?
        text = f"{type(exc).__name__}: {text} (QLSTM_DEBUG=1 shows the traceback)"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`qlstm-optimizer info x | head`): not an error worth a line;
        # point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    # The package's user-facing errors: bad input (ValueError, incl. UnknownModelError and
    # ModelFormatError; TypeError for a wrong type), files (OSError), a statevector too large
    # (StatevectorTooLargeError is a MemoryError), a missing extra (ModuleNotFoundError).
    except (ValueError, TypeError, KeyError, OSError, MemoryError, ModuleNotFoundError) as exc:
        if os.environ.get("QLSTM_DEBUG", "") not in ("", "0"):
            raise
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
