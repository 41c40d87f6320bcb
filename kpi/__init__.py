"""Cascade's KPI engine: pure domain logic on pandas DataFrames.

Nothing here touches a database, a file (other than the shipped holiday calendar) or the
network, and nothing imports the rest of the project: pages and the ETL hand DataFrames in and
get DataFrames back. Modules:

- ``rollup``      staff-level components summed into every org unit (used by the ETL)
- ``registry``    the components of ``rollup_day`` and every metric, declared once
- ``metrics``     compute any metric for any units and period from rollup rows
- ``targets``     target records, periods, the department ownership matrix, crediting
- ``allocation``  top-down allocation of a parent's target to its children
- ``reconcile``   vertical (parent vs children) and horizontal (departments) checks
- ``calendar``    China business days and time progress
- ``attainment``  completion, time progress, gap, run-rate forecast, status
- ``scorecard``   weighted capped scores, peer groups, ranks
- ``incentives``  payout curves and what-if at the current run-rate
"""
