"""Try a definition by hand, live, in JupyterLab: :class:`DefinitionExplorer` (ipywidgets).

Choose each step's event, count and window, and how many steps make a PQL; the PQL rate, the time
to PQL and PQL-to-paid are recomputed at each change (in pandas, from each entity's earliest event
times read once: :class:`~pqlkit.analyses.discovery.trial.EarliestEvents`), and **Save** writes the
spec as YAML, ready for ``--spec``. The numbers are those :func:`pqlkit.pql_rate`,
:func:`pqlkit.time_to_pql_percentiles` and :func:`pqlkit.pql_to_paid` give on the table
:func:`pqlkit.entity_table` would build for the same spec.

>>> explorer = DefinitionExplorer(entities, context=ctx)     # doctest: +SKIP
>>> explorer.widget                                         # doctest: +SKIP
"""

from __future__ import annotations

import math
import os

import pandas as pd

from pqlkit.analyses.discovery.discover import spec_yaml
from pqlkit.analyses.discovery.trial import EarliestEvents
from pqlkit.core.context import Context
from pqlkit.core.spec import ActivationSpec
from pqlkit.metrics import pql_rate, pql_to_paid, time_to_pql_percentiles
from pqlkit.present.formatting import days, pct

__all__ = ["DefinitionExplorer"]


class DefinitionExplorer:
    """An interactive editor of the activation steps, with the headline metrics recomputed live.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        Its context: the dataset (for the events), the spec to start from.
    spec : ActivationSpec, optional
        The spec to start from (default ``context.spec``), e.g. ``Discovery.spec``.
    max_steps : int
        Step rows shown (unused rows are switched off).
    paid_by_day : float
        PQL-to-paid is taken within this many days of ``pql_at``, among PQLs that old (default 30).
    max_count, max_days : int
        The sliders' ranges.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What to display.
    steps : list of dict
        Per row: ``use`` (Checkbox), ``event`` (Dropdown), ``min_count`` and ``within_days`` (IntSliders).
    required : ipywidgets.IntSlider
        How many of the steps in use make a PQL.
    result : dict
        The latest numbers: ``pqls``, ``pql_rate``, ``time_to_pql_median_days``, ``pql_to_paid_rate``,
        ``paid_by_day``.
    """

    def __init__(self, entities: pd.DataFrame, *, context: Context, spec: ActivationSpec | None = None,
                 max_steps: int = 5, paid_by_day: float = 30, max_count: int = 10, max_days: int = 30):
        import ipywidgets as widgets

        self.entities, self.context = entities, context
        self.base = spec if spec is not None else context.spec
        self.paid_by_day = float(paid_by_day)
        self.earliest = EarliestEvents.from_dataset(context.dataset, entities["entity_id"], keep=max_count)
        names = self.earliest.events
        self.steps = []
        for index in range(max(max_steps, len(self.base.steps))):
            step = self.base.steps[index] if index < len(self.base.steps) else None
            window = self.base.window_for(step) if step is not None else None
            row = {
                "use": widgets.Checkbox(value=step is not None, description=f"step {index + 1}", indent=False),
                "event": widgets.Dropdown(options=names, value=(step.event if step is not None and step.event in names
                                                                 else names[0]), description="event"),
                "min_count": widgets.IntSlider(value=step.min_count if step is not None else 1, min=1, max=max_count,
                                               description="at least"),
                "within_days": widgets.IntSlider(value=int(math.ceil(window)) if window is not None else max_days, min=1,
                                                 max=max(max_days, int(math.ceil(window or 1))), description="within days"),
            }
            self.steps.append(row)
        self.required = widgets.IntSlider(value=self.base.steps_required, min=1, max=len(self.steps),
                                          description="steps needed")
        self.numbers = widgets.HTML()
        self.path = widgets.Text(value="activation_tried.yaml", description="save to")
        self.save_button = widgets.Button(description="Save spec")
        self.saved = widgets.HTML()
        self.save_button.on_click(lambda _: self.save())
        for row in self.steps:
            for control in row.values():
                control.observe(lambda _: self.update(), names="value")
        self.required.observe(lambda _: self.update(), names="value")
        rows = [widgets.HBox([row["use"], row["event"], row["min_count"], row["within_days"]]) for row in self.steps]
        self.widget = widgets.VBox([*rows, self.required, self.numbers,
                                    widgets.HBox([self.path, self.save_button]), self.saved])
        self.result: dict = {}
        self.update()

    def spec(self) -> ActivationSpec:
        """The spec the widgets describe (the base spec's other settings kept)."""
        rows = [row for row in self.steps if row["use"].value]
        if not rows:
            raise ValueError("no step is switched on")
        steps, seen = [], {}
        for row in rows:
            event = row["event"].value
            seen[event] = seen.get(event, 0) + 1
            steps.append({"name": event if seen[event] == 1 else f"{event}_{seen[event]}", "event": event,
                          "min_count": int(row["min_count"].value), "within_days": int(row["within_days"].value)})
        required = min(int(self.required.value), len(steps))
        threshold = math.floor(required / len(steps) * 10_000) / 10_000
        settings = {key: value for key, value in self.base.to_dict().items() if key != "steps"}
        return ActivationSpec.from_dict({**settings, "threshold": threshold, "steps": steps}, source="explorer")

    def update(self) -> dict:
        """Recompute the numbers from the widgets' values; returns (and keeps in ``result``) them."""
        try:
            spec = self.spec()
        except ValueError as error:
            self.numbers.value = f"<b>{error}</b>"
            self.result = {}
            return self.result
        table = self.earliest.entity_table(self.entities, spec)
        rate = pql_rate(table).iloc[0]
        median = time_to_pql_percentiles(table, percentiles=(0.5,)).iloc[0]
        paid = pql_to_paid(table, by_day=self.paid_by_day).iloc[0]
        self.result = {"pqls": int(rate["pqls"]), "pql_rate": float(rate["pql_rate"]),
                       "time_to_pql_median_days": float(median["time_to_pql_days"]),
                       "pql_to_paid_rate": float(paid["pql_to_paid_rate"]), "paid_by_day": self.paid_by_day}
        self.numbers.value = (
            f"<b>{spec.steps_required} of {len(spec.steps)} steps</b>: {self.result['pqls']:,} PQLs, "
            f"PQL rate {pct(self.result['pql_rate'])}; median time to PQL "
            f"{days(self.result['time_to_pql_median_days'])}; PQL-to-paid within {self.paid_by_day:g} days "
            f"{pct(self.result['pql_to_paid_rate'])}")
        return self.result

    def save(self, path: str | os.PathLike | None = None) -> str:
        """Write the spec as YAML to ``path`` (default: the path box); returns the path written."""
        target = os.fspath(path) if path is not None else self.path.value
        spec = self.spec()
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(spec_yaml(spec, header=["Activation spec tried in pqlkit's explorer (notebook 01)."]))
        self.saved.value = f"saved to {os.path.basename(target)}"
        return target
