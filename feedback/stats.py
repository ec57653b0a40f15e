"""Helpfulness: the lower bound of the 95 % Wilson score interval of the "yes" share.

It ranks 3 yes out of 3 below 300 out of 300: few votes mean a wide interval, so a low bound.
"""

import math

from django.db.models import Case, F, FloatField, Value, When
from django.db.models.functions import Cast, Sqrt

Z = 1.96  # 95 % confidence


def wilson_lower_bound(yes: int, total: int) -> float | None:
    """Return the Wilson lower bound for `yes` of `total`, or None without votes."""
    if total == 0:
        return None
    p = yes / total
    z2 = Z * Z
    centre = p + z2 / (2 * total)
    margin = Z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return (centre - margin) / (1 + z2 / total)


def wilson_lower_bound_expression(yes: str = "yes", total: str = "total"):
    """The same bound as a database expression over two annotations, so lists can sort by it."""
    n = Cast(F(total), FloatField())
    p = Cast(F(yes), FloatField()) / n
    z2 = Value(Z * Z)
    centre = p + z2 / (Value(2.0) * n)
    margin = Value(Z) * Sqrt(p * (Value(1.0) - p) / n + z2 / (Value(4.0) * n * n))
    bound = (centre - margin) / (Value(1.0) + z2 / n)
    return Case(When(**{f"{total}__gt": 0}, then=bound), default=None, output_field=FloatField())


def helpful_share(yes: int, total: int) -> str:
    """Say what share of `total` votes were "yes", as editors read it: "82 % of 45"."""
    return f"{round(100 * yes / total)}\N{NO-BREAK SPACE}% of {total}"
