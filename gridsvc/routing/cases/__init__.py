"""The case workflow (DESIGN.md §4): from a routed report to an evaluated, closed case.

- ``intake``: new incidents become cases (deadlines, calls, notices) in the reporting transaction.
- ``rules`` (the workflow as data) and ``workflow`` (applying an action); ``rerouting`` (退回),
  ``extension_requests`` (延期).
- ``calls`` and ``call_actions``: 乡呼县应, the township calls and the county responds.
- ``view`` (a case as its reader sees it), ``queue`` (a team's map queue), ``field_tasks``
  (a grid worker's to-do list).
"""
