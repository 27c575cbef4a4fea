"""Home points from addresses: nobody types coordinates (issue 10, smaller defects)."""

from __future__ import annotations

import pytest

from strengthwise.directory import geocode
from strengthwise.directory.models import Address
from strengthwise.directory.testing import make_service
from strengthwise.people import services as people_services
from strengthwise.people.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    a = make_service("Pantry", at=(38.60, -90.20))  # 1 Test Street, 63101
    b = make_service("Clinic", at=(38.70, -90.30))
    Address.objects.filter(location__name="Clinic place").update(address_1="9 Elm Avenue")
    return a, b


@pytest.mark.parametrize(
    ("street", "zip_code", "expected"),
    [
        ("1 test street", "63101", (38.60, -90.20)),  # same address, any case: that place
        ("9 ELM AVENUE.", "63101-1234", (38.70, -90.30)),  # punctuation and ZIP+4
        ("77 Other Road", "63101", (38.65, -90.25)),  # the ZIP code's centre
        ("1 Test Street", "99999", None),  # nowhere the directory knows
        ("", "", None),
    ],
)
def test_home_point_from_the_address(places, street, zip_code, expected):
    client = Client(address_line1=street, postal_code=zip_code)
    point = geocode.home_point(client)
    if expected is None:
        assert point is None
    else:
        assert point == pytest.approx(expected)


def test_coordinates_on_the_record_win(places):
    client = Client(address_line1="1 Test Street", postal_code="63101", home_latitude=1.0)
    client.home_longitude = 2.0
    assert geocode.home_point(client) == (1.0, 2.0)


def test_no_form_asks_for_coordinates(personas, web):
    for path in ("/clients/new/", f"/clients/{personas.dana.pk}/edit/"):
        html = web(personas.alice).get(path).content.decode()
        assert "latitude" not in html.lower() and "longitude" not in html.lower(), path


def test_a_new_address_drops_the_old_coordinates(personas):
    dana = personas.dana
    Client.objects.filter(pk=dana.pk).update(home_latitude=38.6, home_longitude=-90.2)
    dana.refresh_from_db()
    people_services.client_update(
        acting_user=personas.alice,
        client=dana,
        version=dana.version,
        fields={"address_line1": "9 Elm Avenue", "postal_code": "63101"},
    )
    dana.refresh_from_db()
    assert (dana.home_latitude, dana.home_longitude) == (None, None)
