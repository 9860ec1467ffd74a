"""Routing: teams, the responsibility list (属地管理事项清单), zones, the routing decision, the case
workflow, 乡呼县应 calls, deadlines and supervision."""
