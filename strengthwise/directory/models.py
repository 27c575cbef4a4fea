"""The community resource directory, modelled on the Open Referral Human Services Data
Specification (HSDS) 3.0.

One directory per installation, shared by its agencies: it describes public services, not
people. HSDS ids (UUIDs) are the primary keys, so an import upserts by id and an export gives the
same ids back. Fields we do not model are dropped on import (the importer validates the whole
record against the official schema first). Two local extensions, both outside HSDS:
- capacity (the Gravity SDOH capacity extension: capacity / waitlist / no-capacity /
  additional-assessment-required, with notes), exported as an HSDS attribute;
- life domains per service (the strengths-assessment domains), used to rank "services that may
  help with this goal".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HsdsModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class Organization(HsdsModel):
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("other name"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(HsdsModel):
    """HSDS program: a named group of services. A consent may cover "any service in a
    program" instead of one organisation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("other name"), max_length=300, blank=True)
    description = models.TextField(_("description"))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(HsdsModel):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("service status", "Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    class Capacity(models.TextChoices):
        CAPACITY = "capacity", _("Has capacity")
        WAITLIST = "waitlist", _("Waitlist")
        NO_CAPACITY = "no-capacity", _("No capacity")
        ASSESSMENT = "additional-assessment-required", _("Additional assessment required")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="services",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.SET_NULL,
        related_name="services",
        null=True,
        blank=True,
        verbose_name=_("program"),
    )
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("other name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    interpretation_services = models.TextField(_("interpretation"), blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    fees_description = models.TextField(_("fees"), blank=True)
    wait_time = models.CharField(_("wait time"), max_length=300, blank=True)
    eligibility_description = models.TextField(_("who it is for"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    alert = models.CharField(_("alert"), max_length=500, blank=True)
    capacity = models.CharField(_("capacity"), max_length=40, choices=Capacity.choices, blank=True)
    capacity_notes = models.CharField(_("capacity notes"), max_length=500, blank=True)
    # Denormalised for search: name, other name, description, eligibility, organisation name
    # and taxonomy term names, folded to lower case without accents (core.text.fold).
    search_text = models.TextField(editable=False, default="")
    last_modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "capacity"], name="service_status_capacity")]

    def __str__(self) -> str:
        return self.name


class ServiceDomain(models.Model):
    """Local extension: the life domains (strengths-assessment keys) a service helps with."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("life domain"), max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "domain"], name="service_domain_once")
        ]
        indexes = [models.Index(fields=["domain"], name="service_domain")]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.domain}"


class Location(HsdsModel):
    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations", null=True, blank=True
    )
    location_type = models.CharField(
        _("kind"), max_length=10, choices=Type.choices, default=Type.PHYSICAL
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    transportation = models.TextField(_("getting there"), blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_latlon")]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(HsdsModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="services_here")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_at_location_once")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} at {self.location_id}"


class Address(HsdsModel):
    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField(_("address"), max_length=300)
    address_2 = models.CharField(_("address line 2"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=150)
    region = models.CharField(_("region"), max_length=150, blank=True)
    state_province = models.CharField(_("state"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country = models.CharField(_("country"), max_length=2, default="US")
    address_type = models.CharField(
        _("kind"), max_length=10, choices=Type.choices, default=Type.PHYSICAL
    )

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class Phone(HsdsModel):
    """A phone belongs to one of: organization, service, location, service at location."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="phones", null=True, blank=True
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="phones", null=True, blank=True
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="phones", null=True, blank=True
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        on_delete=models.CASCADE,
        related_name="phones",
        null=True,
        blank=True,
    )
    number = models.CharField(_("number"), max_length=50)
    extension = models.PositiveIntegerField(_("extension"), null=True, blank=True)
    type = models.CharField(_("kind"), max_length=20, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    def __str__(self) -> str:
        return self.number


class Schedule(HsdsModel):
    """Regular hours as HSDS (iCal RRULE-like) fields. We read weekly rules: `byday` lists days
    (MO,TU,…) and `opens_at` / `closes_at` are wall-clock times in the agency's time zone; a
    closing time at or before the opening time means the hours run past midnight."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="schedules", null=True, blank=True
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="schedules", null=True, blank=True
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        on_delete=models.CASCADE,
        related_name="schedules",
        null=True,
        blank=True,
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    freq = models.CharField(max_length=10, blank=True, default="WEEKLY")
    byday = models.CharField(_("days"), max_length=40, blank=True)
    opens_at = models.TimeField(_("opens"), null=True, blank=True)
    closes_at = models.TimeField(_("closes"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at}–{self.closes_at}"


class Language(HsdsModel):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="languages", null=True, blank=True
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="languages", null=True, blank=True
    )
    phone = models.ForeignKey(
        Phone, on_delete=models.CASCADE, related_name="languages", null=True, blank=True
    )
    name = models.CharField(_("language"), max_length=100, blank=True)
    code = models.CharField(_("code"), max_length=20, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name or self.code


class ServiceArea(HsdsModel):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_areas", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return self.name or str(self.id)


class Taxonomy(HsdsModel):
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"))
    uri = models.URLField(max_length=500, blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(HsdsModel):
    code = models.CharField(_("code"), max_length=100, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"))
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    taxonomy = models.ForeignKey(
        Taxonomy, on_delete=models.CASCADE, null=True, blank=True, related_name="terms"
    )
    taxonomy_name = models.CharField(max_length=300, blank=True)  # HSDS `taxonomy` (free text)
    language = models.CharField(max_length=20, blank=True)
    term_uri = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Attribute(HsdsModel):
    """HSDS attribute: tags any entity with a taxonomy term. Services are classified by
    attributes with link_entity "service"."""

    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes"
    )
    link_id = models.UUIDField()
    link_entity = models.CharField(max_length=40)
    link_type = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["link_entity", "link_id"], name="attribute_link"),
            models.Index(fields=["taxonomy_term", "link_entity"], name="attribute_term"),
        ]

    def __str__(self) -> str:
        return f"{self.link_entity} {self.link_id}: {self.taxonomy_term_id}"


class ServiceRating(models.Model):
    """What clients said about a service after a finished referral. Written by the referrals
    app; read here (aggregated) so the directory can show it. No client id is shown here."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="ratings")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    referral_id = models.PositiveBigIntegerField(unique=True)
    helpful = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    def __str__(self) -> str:
        return f"{self.service_id}: {self.helpful}/5"


class SavedService(models.Model):
    """A client's saved list: services the worker and client picked to try, shared with the
    client as a printable page in their language."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "people.Client", on_delete=models.CASCADE, related_name="saved_services"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="saved_by")
    note = models.CharField(_("why this one"), max_length=300, blank=True)
    goal = models.ForeignKey(
        "plans.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["client", "service"], name="saved_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.service_id}"


class DirectoryVersion(models.Model):
    """One row: a fresh random token written, in the writer's transaction, by every change to
    what the find-help ranking reads (`index.changed`). A process keeps the directory in memory
    (`index.py`) for as long as the token it was read under is current. A random token, not a
    counter: a rolled-back change can never bring back a token that a process has seen."""

    token = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.token
