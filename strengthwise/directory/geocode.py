"""Where a client's home is, for "find help nearby", worked out from their address.

No one types coordinates and nothing leaves the machine: the only places this geocoder knows
are the directory's own addresses. In order:

1. coordinates already on the record (set through the API, or by the demo);
2. the same street address (compared without case, accents or punctuation) and ZIP code as a
   directory location: that location's point;
3. the centre of the directory locations in the same 5-digit ZIP code;
4. otherwise unknown (None): find help then sorts without distances.

Callers decide first whether the user may see the address (`access.may_see_address_of`):
a home point is as private as the address it comes from.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg

from strengthwise.core.text import fold

from .models import Address


def _zip5(value: str) -> str:
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    return digits[:5] if len(digits) >= 5 else ""


def home_point(client: Any) -> tuple[float, float] | None:
    """The client's home as (latitude, longitude), or None when it cannot be worked out."""
    if client.home_latitude is not None and client.home_longitude is not None:
        return (client.home_latitude, client.home_longitude)
    zip5 = _zip5(client.postal_code)
    if not zip5:
        return None
    nearby = Address.objects.filter(
        postal_code__startswith=zip5,
        location__latitude__isnull=False,
        location__longitude__isnull=False,
    )
    street = fold(client.address_line1)
    if street:
        for address_1, lat, lon in nearby.values_list(
            "address_1", "location__latitude", "location__longitude"
        ).order_by("location_id"):
            if fold(address_1) == street and lat is not None and lon is not None:
                return (lat, lon)
    centre = nearby.aggregate(lat=Avg("location__latitude"), lon=Avg("location__longitude"))
    if centre["lat"] is None or centre["lon"] is None:
        return None
    return (centre["lat"], centre["lon"])
