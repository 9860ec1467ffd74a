"""Who handles what: teams and their members, the responsibility list (属地管理事项清单), zones.

Add a team kind, a list column or a zone rule here. What the routing decision reads of this
(the directory in force) is loaded by :mod:`gridsvc.routing.decision.loading`.
"""
