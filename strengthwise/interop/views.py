"""The staff side of the right of access: a copy of the client's record to give them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest

from . import services


@login_required
def record_copy(request: StaffRequest, client_id: int, fmt: str) -> HttpResponse:
    if fmt not in services.FORMATS:
        raise Http404("No such format")
    client = access_client(request.user, client_id, request=request)
    content, content_type = services.record_copy_for(
        client=client, fmt=fmt, acting_user=request.user, request=request
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="record-{client.pk}.{fmt}"'
    return response
