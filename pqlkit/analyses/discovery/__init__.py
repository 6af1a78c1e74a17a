"""Finding the activation from the data (``pqlkit discover``, notebook 01): counts, search, proposal.

- :mod:`~pqlkit.analyses.discovery.counts`: the one pass over the events, per (entity, event, day)
  counts cut at the target.
- :mod:`~pqlkit.analyses.discovery.search`: single steps, the beam, the purchase-flow check.
- :mod:`~pqlkit.analyses.discovery.discover`: :func:`discover_activation` and its :class:`Discovery`.
"""

from pqlkit.analyses.discovery.counts import DayCounts, Target, day_counts, judged_entities
from pqlkit.analyses.discovery.discover import Discovery, definition_spec, discover_activation
from pqlkit.analyses.discovery.search import Definition, StepRule, purchase_flow

__all__ = ["discover_activation", "Discovery", "Definition", "StepRule", "Target", "DayCounts", "day_counts",
           "judged_entities", "definition_spec", "purchase_flow"]
