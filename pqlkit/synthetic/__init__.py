"""Seeded synthetic product data for a B2B SaaS product with a 14-day trial.

The generator draws accounts and users, a latent "activated" flag per user, the
product events that flag implies, and the first payment per account, then (with
``dirty=True``) injects a small, counted number of rows of every data-quality
kind in docs/metrics.md#data-quality. Every behavioural constant lives in :data:`TRUE_PARAMETERS`, so
a test can check that the metrics recover what the generator put in.

Everything is vectorised with numpy and seeded by a single
``numpy.random.default_rng(seed)``: the same arguments give the same frames and
byte-identical CSV files, on any day. One million users (about 45 million
events) take about a minute and under 3 GB of memory to write as Parquet.

Main facts (the full list is :data:`TRUE_PARAMETERS` and ``data/README.md``):

* A user is *activated* with probability ``channel_activation[channel] *
  company_size_activation_multiplier[company_size]``. The multipliers average to
  1 over users, so the expected activation rate of a channel's users is exactly
  ``channel_activation[channel]``.
* An activated user completes at least three of the four steps of
  ``data/activation.yaml`` within 14 days of signup (``report_created`` three
  times); a user who is not activated completes at most two steps in that window.
  So with that spec, a user whose first 14 days are in the data is a PQL if and
  only if the generator activated them.
* Vanity events (``login``, ``page_viewed``, ``settings_viewed``) during the trial
  do not depend on activation or payment; value events do.

The code lives in one module per job: ``vocabulary`` (labels and codes), ``parameters``
(:data:`TRUE_PARAMETERS`), ``numeric`` (small draw helpers), the simulation stages ``accounts``,
``journeys``, ``payments``, ``events`` and ``dirt``, run by ``simulation``; ``arrow_columns`` and
``tables`` turn its arrays into Arrow tables; ``sample``, ``quality``, ``arguments``, ``generate`` and
``write`` hold the public API, re-exported here. ``planted`` is a separate option of the generator: data
where a known activation (steps, counts, windows) drives paying, with decoys, to test ``pqlkit discover``
(:func:`generate_planted_sample`; :func:`generate_sample` and the bundled sample are unchanged by it).
"""

from __future__ import annotations

from pqlkit.synthetic.generate import generate_sample
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.planted import PLANTED_ACTIVATION, PlantedActivation, PlantedStep, generate_planted_sample
from pqlkit.synthetic.quality import expected_data_quality
from pqlkit.synthetic.sample import Sample
from pqlkit.synthetic.write import write_sample

__all__ = ["TRUE_PARAMETERS", "Sample", "expected_data_quality", "generate_sample", "write_sample",
           "PLANTED_ACTIVATION", "PlantedActivation", "PlantedStep", "generate_planted_sample"]
