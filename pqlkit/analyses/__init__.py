"""Analyses built on the metrics, one module per notebook question.

:mod:`~pqlkit.analyses.cohorts` (signup cohorts and trends), :mod:`~pqlkit.analyses.explore` (what
activation should mean), :mod:`~pqlkit.analyses.pricing` (pricing signals),
:mod:`~pqlkit.analyses.playbook` (who acts on which number) and :mod:`~pqlkit.analyses.leads` (the
order of the lead list). A notebook reaches them as ``from pqlkit import cohorts``; nothing is
re-exported here.
"""

__all__: list[str] = []
