"""Back-test measures: the quantities of a finished model run that published figures describe.

Used by scripts/backtest_senkaku_2010.py (the comparison table) and tests/test_senkaku_2010.py.
Day 0 of the 2010 back-test is 1 January 2010.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from sim.model import CoercionModel
from sim.results import import_shares

START = dt.date(2010, 1, 1)
MONTHS_2010 = {"sep": (243, 273), "oct": (273, 304), "nov": (304, 334)}


def _days(first: dt.date, last: dt.date) -> slice:
    return slice((first - START).days, (last - START).days + 1)


def senkaku_metrics(model: CoercionModel, quota_share: float = 0.6) -> dict[str, Any]:
    """Monthly flows, price peak and fall, China's import shares by period, China's 2011 recorded
    exports (smuggling excluded) as a share of its quota (``quota_share`` x baseline exports), and
    its 2011 exports all told over the recorded ones (what importers' customs saw over China's)."""
    w, rec = model.world, model.rec
    cn, jp = w.countries.index("CN"), w.countries.index("JP")
    light, heavy = w.products.index("rare_earths"), w.products.index("heavy_rare_earths")
    flows = rec.shipments[:, cn, jp, light]
    monthly = {m: float(flows[a:b].sum()) for m, (a, b) in MONTHS_2010.items()}
    price = rec.price[:, jp, light] / w.base_price[light]
    peak_day = int(np.argmax(price))
    after = price[peak_day : peak_day + 183]
    heavy_price = rec.price[:, jp, heavy] / w.base_price[heavy]
    heavy_peak_day = int(np.argmax(heavy_price))
    shares = import_shares(rec.shipments)  # (T, E, I, P)
    light_share, heavy_share = shares[:, cn, jp, light], shares[:, cn, jp, heavy]
    late = _days(dt.date(2011, 1, 1), dt.date(2018, 12, 31))
    horizon = rec.shipments.shape[0]
    exports_2011 = rec.shipments[_days(dt.date(2011, 1, 1), dt.date(2011, 12, 31)), cn, :, :][:, :, [light, heavy]]
    exports_2011 = exports_2011.sum(axis=0)
    exports_2011[cn] = 0.0
    # Of which smuggled (leaked through third countries): China's customs did not record them,
    # importers' customs did (as imports from China or from the transit country).
    days_2011 = _days(dt.date(2011, 1, 1), dt.date(2011, 12, 31))
    leaked_2011 = float(model.leaked_exports[days_2011, cn][:, [light, heavy]].sum())
    recorded_2011 = float(exports_2011.sum()) - leaked_2011
    base = w.flow0[cn][:, [light, heavy]].copy()
    base[cn] = 0.0
    return {
        "monthly_2010": monthly,
        "oct_ratio": monthly["oct"] / monthly["sep"] if monthly["sep"] > 0 else float("nan"),
        "trough_ratio": monthly["nov"] / monthly["sep"] if monthly["sep"] > 0 else float("nan"),
        "peak_multiple": float(price[peak_day]),
        "peak_day": peak_day,
        "peak_date": (START + dt.timedelta(days=peak_day)).isoformat(),
        "fall_6m": float(1.0 - after.min() / price[peak_day]),
        "heavy_peak_multiple": float(heavy_price[heavy_peak_day]),
        "heavy_peak_date": (START + dt.timedelta(days=heavy_peak_day)).isoformat(),
        "heavy_price_2015": float(heavy_price[_days(dt.date(2015, 12, 1), dt.date(2015, 12, 31))].mean())
        if horizon > 2190
        else float("nan"),
        "price_2015": float(price[_days(dt.date(2015, 12, 1), dt.date(2015, 12, 31))].mean()) if horizon > 2190 else float("nan"),
        "share_pre": float(light_share[:180].mean()),
        "share_2012h1": float(light_share[_days(dt.date(2012, 1, 1), dt.date(2012, 6, 30))].mean()),
        "share_2018": float(light_share[_days(dt.date(2018, 1, 1), dt.date(2018, 12, 31))].mean()),
        "heavy_share_min": float(heavy_share[late].min()),
        "heavy_share_max": float(heavy_share[late].max()),
        "quota_use_2011": float(recorded_2011 / (quota_share * base.sum() * 365)),
        "abroad_over_recorded_2011": float(exports_2011.sum() / recorded_2011) if recorded_2011 > 0 else float("nan"),
    }
