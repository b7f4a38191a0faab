"""Finding the bottleneck of the bundled 3-tier shop, end to end.

Runs the operational analysis, one simulation, a load sweep with its knee,
the response breakdown and the bottleneck chain, and saves the figures used
in docs/guides/finding-bottlenecks.md.

    python examples/python/finding_bottlenecks.py [OUTPUT_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tiersim as ts  # noqa: E402
from tiersim import plots  # noqa: E402
from tiersim.analysis import breakdown, compare, find_knee, migrate, operational  # noqa: E402
from tiersim.sweep import load_sweep  # noqa: E402

HERE = Path(__file__).resolve().parent
MODEL = HERE.parent / "models" / "three_tier.yaml"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model = ts.load(MODEL)

    # 1. Before simulating: demands, bounds, N*.
    analysis = operational(model)
    print(analysis.summary())
    print(analysis.demands.to_string(index=False))

    # 2. One run at the model's 100 users, next to the theory.
    results = model.run(progress=False)
    print(results.summary())
    print(compare(model, results).to_string(index=False))

    # 3. Where the response time goes.
    parts = breakdown(results)
    print(parts.to_string(index=False))
    ax = plots.response_breakdown(results, by="resource")
    ax.figure.savefig(out / "three_tier_breakdown.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plots.utilization_bars(results)
    ax.figure.savefig(out / "three_tier_utilization.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)

    # 4. Load sweep: where does throughput saturate?
    sweep = load_sweep(model, users=[5, 10, 20, 40, 60, 80, 100, 130], until=1000, warmup=100,
                       replications=3, seed=1, progress=False)
    knee = find_knee(sweep)
    print(f"knee at {knee.load:.1f} users, plateau {knee.throughput:.1f}/s, "
          f"first to saturate: {knee.resource} ({knee.method})")
    ax = knee.plot()
    ax.figure.savefig(out / "three_tier_knee.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plots.response_vs_load(sweep, percentile=95, slo=0.5)
    ax.figure.savefig(out / "three_tier_response.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)

    # 5. Fix it, and what comes next.
    chain = migrate(model, steps=3, simulate=True, until=1000, warmup=100, replications=2, seed=1)
    print(chain.to_string(index=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "docs" / "guides" / "img")
