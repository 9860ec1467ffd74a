"""Assessment (考评) and early warning (研判预警): figures computed from the facts the rooms
below store — cases, calls, events, patrols — never written back to them.

- ``periods``: day, week, month, quarter, year, custom, in Beijing days;
- ``facts``: one case's figures and the rules that define them (the period rule, 应结案);
- ``indicators``: the figures added up per township, team, department, grid or worker;
- ``service`` and ``api``: the caller's scope, ``GET /api/v1/indicators``.

Nothing in the rooms below imports this one; the app factory registers its blueprint.
"""
