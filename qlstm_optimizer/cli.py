"""``qlstm-optimizer`` command line: list, info, demo, bench, train.

Every command exits non-zero with a one-line ``error: ...`` on bad arguments or missing files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def _cmd_list(args: argparse.Namespace) -> int:
    from .pretrained import list_pretrained, load_pretrained

    for name in list_pretrained():
        card = load_pretrained(name).card
        metrics = card.get("metrics", {})
        summary = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()
                            if isinstance(v, float) and k.startswith("val_rho"))
        print(f"{name:22s} {card.get('arch', '?'):7s} p={card.get('config', {}).get('p', '?')}  "
              f"{card.get('family', '?'):7s} {summary}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .pretrained import load_pretrained

    print(json.dumps(load_pretrained(args.name).card, indent=2, sort_keys=True))
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
    parser = argparse.ArgumentParser(
        prog="qlstm-optimizer",
        description="Pretrained quantum-LSTM optimizer for QAOA: models, demo, benchmarks, train.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list the bundled models").set_defaults(func=_cmd_list)

    info = sub.add_parser("info", help="print a bundled model's card")
    info.add_argument("name", help="model name, e.g. maxcut-p1")
    info.set_defaults(func=_cmd_info)

    demo = sub.add_parser("demo", help="Max-Cut QAOA with a bundled model next to COBYLA (Qiskit)")
    demo.add_argument("--n", type=int, default=10, help="number of nodes (default 10)")
    demo.add_argument("--edge-prob", type=float, default=0.5, help="edge probability")
    demo.add_argument("--p", type=int, default=1, help="QAOA depth (default 1)")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ModuleNotFoundError as exc:
        hint = " (install the training extra: pip install 'qlstm-optimizer[train]')" if (
            exc.name == "torch") else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
    except (ValueError, FileNotFoundError, KeyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
