"""Time: due times on the office calendar, the SLA sweep and its supervision notices (督办).

``calendar`` is pure arithmetic (natural or working hours); ``clock`` applies it with the
county's calendar from the database; ``sweep`` marks overdue cases and calls once per deadline.
"""
