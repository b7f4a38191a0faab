# what_if separates what it scales (the whole mix, or one class) from what it judges (an SLO on
# one class's percentile, or on the worst class), and says both in its table and figure.
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

import tiersim as ts
from tiersim.analysis import what_if
from tiersim.variants import with_servers


def shop() -> ts.Model:
    """browse (4/s) answers in ~0.1 s; purchase (1/s) also waits 1 s for a payment provider."""
    m = ts.Model("shop").station("app", servers=4).station("payment", discipline="delay")
    m.open_class("browse", ts.Exponential(rate=4)).visit("app", ts.Exponential(mean=0.1))
    m.open_class("purchase", ts.Exponential(rate=1)).visit("app", ts.Exponential(mean=0.1)).visit("payment", 1.0)
    return m


RUN = {"until": 4000, "replications": 2, "seed": 21, "progress": False}


def test_the_whole_mix_is_scaled_by_default_and_every_class_keeps_its_share() -> None:
    w = what_if(shop(), {}, rates=[10], **RUN)
    assert w.scaled == "the whole mix"
    # The total becomes 10/s: browse 8/s and purchase 2/s; throughput sums both.
    assert w.table.loc[0, "throughput"] == pytest.approx(10, rel=0.03)


def test_one_class_can_be_scaled_while_another_is_judged() -> None:
    w = what_if(shop(), {}, rates=[3], load_class="browse", slo_class="purchase", slo=0.5,
                percentile="p95", **RUN)
    assert (w.scaled, w.judged) == ("class 'browse'", "class 'purchase'")
    # browse now 3/s, purchase still 1/s: 4/s in all.
    assert w.table.loc[0, "throughput"] == pytest.approx(4, rel=0.04)
    assert w.table.loc[0, "judged_class"] == "purchase"
    # purchase's p95 includes its 1 s payment: it misses a 0.5 s SLO.
    assert w.table.loc[0, "p95"] > 1.0
    assert not w.table.loc[0, "meets_slo"]


def test_the_slo_is_judged_on_the_named_class_or_on_the_worst() -> None:
    base = dict(rates=[5], slo=0.5, percentile="p95", **RUN)
    on_browse = what_if(shop(), {}, slo_class="browse", **base)
    assert on_browse.table.loc[0, "judged_class"] == "browse"
    assert on_browse.table.loc[0, "meets_slo"]  # browse's p95 is ~0.3 s
    worst = what_if(shop(), {}, **base)
    assert worst.judged == "the worst class"
    assert worst.table.loc[0, "judged_class"] == "purchase"
    assert not worst.table.loc[0, "meets_slo"]


def test_the_figure_says_what_was_scaled_and_what_is_judged() -> None:
    w = what_if(shop(), {"more app": lambda m: with_servers(m, "app", 8)}, rates=[5], load_class="browse",
                slo_class="purchase", slo=2.0, **RUN)
    fig = w.plot()
    ax1, ax2 = fig.axes
    assert "class 'browse'" in ax1.get_xlabel()
    assert "class 'purchase'" in ax2.get_title() and "class 'purchase'" in ax2.get_ylabel()


def test_cls_is_the_shorthand_for_both_and_cannot_be_mixed_with_them() -> None:
    w = what_if(shop(), {}, rates=[2], cls="purchase", **RUN)
    assert (w.scaled, w.judged) == ("class 'purchase'", "class 'purchase'")
    with pytest.raises(TypeError, match="shorthand"):
        what_if(shop(), {}, rates=[2], cls="purchase", slo_class="browse", **RUN)
    with pytest.raises(KeyError, match="purchse"):
        what_if(shop(), {}, rates=[2], slo_class="purchse", **RUN)
