"""The pictures a data scientist looks at, as PNG bytes: altair specs rendered by vl-convert."""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert

from journey_assets.propensity.evaluation import Evaluation


def _png(chart: alt.TopLevelMixin) -> bytes:
    return vl_convert.vegalite_to_png(chart.to_json(), scale=1.5)


def calibration_png(evaluations: dict[str, Evaluation]) -> bytes:
    """Mean predicted vs observed rate per score bin, one line per model, with the diagonal."""
    points = pd.concat([e.calibration.assign(model=name) for name, e in evaluations.items()], ignore_index=True)
    top = float(max(points["predicted"].max(), points["observed"].max(), 0.01))
    diagonal = (
        alt.Chart(pd.DataFrame({"predicted": [0.0, top], "observed": [0.0, top]}))
        .mark_line(color="gray", strokeDash=[4, 4])
        .encode(x="predicted", y="observed")
    )
    lines = (
        alt.Chart(points)
        .mark_line(point=True)
        .encode(
            x=alt.X("predicted", title="mean predicted probability"),
            y=alt.Y("observed", title="observed 30-day purchase rate"),
            color="model",
        )
    )
    return _png((diagonal + lines).properties(title="Calibration on the holdout", width=360, height=300))


def lift_png(evaluations: dict[str, Evaluation]) -> bytes:
    """Lift per decile (10 = highest scores), one bar group per model."""
    rows = pd.concat([e.lift.assign(model=name) for name, e in evaluations.items()], ignore_index=True)
    chart = (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("decile:O", sort="descending", title="score decile (10 = highest)"),
            xOffset="model",
            y=alt.Y("lift", title="lift over the base rate"),
            color="model",
        )
    )
    return _png(chart.properties(title="Lift by decile on the holdout", width=420, height=300))
