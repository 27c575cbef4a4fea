"""Demo directory: a fictional resource directory for River City (PERSONAS.md).

About forty invented organisations and three hundred-odd services across the city's
neighbourhoods: shelters, pantries, counselling, support groups, money workshops, legal aid, job
training, childcare, adult education, clinics, benefits help and transport. Every name, address
and phone number is invented (phones use the 555-0100…0199 range reserved for fiction); the
coordinates sit around a made-up city centre.

The data tells the personas' stories: Dana Whitfield can find an evening budgeting workshop in
English and Spanish with seats open (and childcare on site), the rapid re-housing program on her
plan, a record-sealing clinic for her eviction, a Tuesday recovery meeting and an evening
medical assistant course; Rosa Hernández finds sewing and small-business help in Spanish.

Deterministic: one seeded random.Random and uuid5 ids, so a second database gets the same ids.
Idempotent: when the "River City service categories" taxonomy exists the directory is left
alone (client home coordinates are still filled in where missing).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify

from . import services
from .models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Program,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceDomain,
    Taxonomy,
    TaxonomyTerm,
)

TAXONOMY_NAME = "River City service categories"
SEED = 20260
# All demo ids derive from this namespace: uuid5(NAMESPACE, "service:<org>:<slug>") and so on.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://strengthwise.example.org/demo/directory")

# The fictional city centre (Courthouse Square) and the map of its neighbourhoods.
CITY = "River City"
STATE = "IL"
CENTRE = (38.627, -90.199)
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))


def _uid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


def _offset(north_km: float, east_km: float) -> tuple[float, float]:
    """The point `north_km` / `east_km` from the city centre (flat-earth: fine at city scale)."""
    return (
        round(CENTRE[0] + north_km / KM_PER_DEG_LAT, 6),
        round(CENTRE[1] + east_km / KM_PER_DEG_LON, 6),
    )


@dataclass(frozen=True)
class Neighbourhood:
    name: str
    north_km: float  # from the centre
    east_km: float
    postal_code: str
    streets: tuple[str, ...]
    # Languages most spoken here besides English, used to pick what services offer.
    languages: tuple[str, ...]


NEIGHBOURHOODS = {
    n.name: n
    for n in [
        Neighbourhood(
            "Downtown",
            0.0,
            0.0,
            "60601",
            ("Market Street", "Courthouse Square", "Front Street", "Olive Avenue"),
            ("es", "vi"),
        ),
        Neighbourhood(
            "Riverside",
            -2.4,
            1.6,
            "60603",
            ("River Road", "Levee Street", "Wharf Lane", "Ferry Street"),
            ("es",),
        ),
        Neighbourhood(
            "Old Mill",
            3.1,
            -2.2,
            "60605",
            ("Mill Race Road", "Grist Street", "Tanner Avenue"),
            ("es", "ht"),
        ),
        Neighbourhood(
            "Union Flats",
            -4.2,
            -3.4,
            "60612",
            ("Alder Street", "Rail Yard Road", "Foundry Street", "Signal Avenue"),
            ("es", "tl"),
        ),
        Neighbourhood(
            "Maple Heights",
            6.2,
            -6.1,
            "60615",
            ("Maple Avenue", "Sycamore Street", "Hilltop Drive"),
            ("vi", "es"),
        ),
        Neighbourhood(
            "Cedar Park",
            -6.8,
            -8.2,
            "60618",
            ("Cedar Park Boulevard", "Juniper Way", "Birch Court", "Elmhurst Road"),
            ("so", "ar"),
        ),
        Neighbourhood(
            "Bellwood",
            8.8,
            1.9,
            "60620",
            ("Bellwood Avenue", "Lark Street", "Orchard Road"),
            ("ht", "es"),
        ),
        Neighbourhood(
            "Southmoor",
            -9.7,
            0.6,
            "60624",
            ("Southmoor Road", "Quarry Street", "Fenwick Avenue"),
            ("es", "ar"),
        ),
        Neighbourhood(
            "Westbrook",
            1.2,
            -10.8,
            "60627",
            ("Westbrook Parkway", "Kestrel Drive", "Meadow Lane"),
            ("so", "es"),
        ),
        Neighbourhood(
            "Harbor Point",
            4.4,
            5.1,
            "60630",
            ("Harbor Street", "Pier Road", "Lighthouse Lane"),
            ("vi", "tl"),
        ),
        Neighbourhood(
            "Fairview",
            -2.9,
            -11.6,
            "60633",
            ("Fairview Avenue", "Dogwood Lane", "Prospect Street"),
            ("ar", "so"),
        ),
        Neighbourhood(
            "Linden Hill",
            10.9,
            -4.8,
            "60636",
            ("Linden Avenue", "Chestnut Street", "Ridge Road"),
            ("vi", "es"),
        ),
    ]
}

LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "so": "Somali",
    "ar": "Arabic",
    "ht": "Haitian Creole",
    "tl": "Tagalog",
    "ase": "American Sign Language",
}

# Taxonomy terms: key -> (name, description). Codes are "RC-<KEY>".
TERMS = {
    "shelter": ("Shelter", "Emergency, family and transitional shelter; help finding housing."),
    "food": ("Food", "Pantries, community meals and grocery help."),
    "counselling": ("Counselling", "Talking therapies for individuals, couples and families."),
    "support": ("Support group", "Peer-led and facilitated groups that meet regularly."),
    "financial": ("Financial literacy", "Budgeting, credit, savings, banking and tax help."),
    "legal": ("Legal aid", "Free or low-cost legal advice and representation."),
    "jobs": ("Job training", "Job readiness, skills training and help finding work."),
    "childcare": ("Childcare", "Early learning, childcare and after-school programs."),
    "education": ("Adult education", "GED, English classes, college courses and tutoring."),
    "health": ("Health", "Medical, dental, vision and mental health care."),
    "benefits": ("Benefits", "Help applying for public benefits and utility assistance."),
    "transport": ("Transport", "Bus passes, rides and other help getting around."),
    "crisis": ("Crisis support", "Help right now, by phone or walk-in, day and night."),
    "arts": ("Arts and recreation", "Studios, sport, clubs and things to enjoy."),
    "culture": ("Faith and culture", "Faith communities and cultural associations."),
    "household": ("Clothing and household", "Clothing, furniture and household goods."),
    "business": ("Small business", "Help starting and running a small business."),
    "case": ("Case management", "A worker who plans with you and coordinates services."),
    "volunteer": ("Volunteering", "Ways to give time, meet people and gain experience."),
}


# --- service templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tpl:
    """What a kind of service looks like; an organisation offers several of them.

    `description`, `eligibility` and `name` may use {org} and {site} (the neighbourhood).
    `per_site`: one service per location of the organisation (e.g. a pantry at each site).
    """

    slug: str
    name: str
    description: str
    eligibility: str
    fees: str
    terms: tuple[str, ...]
    domains: tuple[str, ...]
    schedule: str
    per_site: bool = False
    languages: tuple[str, ...] = ()  # always offered besides English
    capacity: str = ""  # fixed capacity, else drawn at random
    capacity_notes: str = ""
    min_age: int | None = None
    max_age: int | None = None
    apply: str = "Call or walk in during open hours."
    english: bool = True


FREE = "Free."
SLIDING = "Sliding scale based on household income; no one is turned away for inability to pay."
ANYONE = "Anyone living in River City."
LOW_INCOME = "River City residents with household income under 200% of the federal poverty level."

TEMPLATES = [
    # Shelter and housing
    Tpl(
        "overnight-shelter",
        "Emergency overnight shelter",
        "Beds, a hot evening meal, showers and breakfast for adults with nowhere safe to sleep. "
        "Lockers for belongings; case workers on site each evening.",
        "Adults 18 and over. No ID needed for the first night.",
        FREE,
        ("shelter",),
        ("daily_living",),
        "overnight",
        min_age=18,
        apply="Walk in from 7 pm; beds are given out in order of arrival until 9 pm.",
    ),
    Tpl(
        "family-shelter",
        "Family shelter",
        "Private rooms for parents with children, open day and night, with a housing navigator "
        "who starts the search for a permanent home from the first week.",
        "Families with at least one child under 18 in their care.",
        FREE,
        ("shelter",),
        ("daily_living",),
        "24_7",
        apply="Call the intake line; a short phone screening decides the room.",
        capacity="additional-assessment-required",
        capacity_notes="Phone screening first; rooms open most weeks.",
    ),
    Tpl(
        "womens-shelter",
        "Women's overnight shelter",
        "A quiet overnight shelter for women, with laundry, showers and a nurse visit on "
        "Wednesdays.",
        "Women 18 and over, including trans women.",
        FREE,
        ("shelter",),
        ("daily_living", "health"),
        "overnight",
        min_age=18,
    ),
    Tpl(
        "youth-shelter",
        "Youth drop-in and overnight beds",
        "A safe place for young people: meals, showers, a computer lab by day and eight beds "
        "at night. Staff help with school, ID documents and reconnecting with family when "
        "wanted.",
        "Young people 16 to 24.",
        FREE,
        ("shelter",),
        ("daily_living", "social_supports"),
        "24_7",
        min_age=16,
        max_age=24,
    ),
    Tpl(
        "warming-centre",
        "Winter warming centre",
        "Open every night through the cold months: cots, blankets, hot drinks and a warm meal. "
        "Pets welcome in crates.",
        "Anyone who needs a warm place to sleep.",
        FREE,
        ("shelter",),
        ("daily_living",),
        "winter",
        capacity="capacity",
        capacity_notes="No one is turned away on freezing nights.",
    ),
    Tpl(
        "rapid-rehousing",
        "Rapid re-housing",
        "Short-term rent help (up to 12 months), deposits and a housing case worker to find and "
        "keep an apartment. Works with landlords who accept applicants with past evictions.",
        "Households who are homeless now (shelter, car, motel paid week to week).",
        FREE,
        ("shelter", "financial"),
        ("daily_living", "financial"),
        "office",
        apply="Referral from a case worker or the coordinated entry line.",
    ),
    Tpl(
        "housing-search",
        "Housing search help",
        "Weekly lists of vacant units, help with applications, and a navigator who goes to "
        "viewings with you. Voucher holders welcome.",
        ANYONE,
        FREE,
        ("shelter",),
        ("daily_living",),
        "office_late",
    ),
    Tpl(
        "landlord-liaison",
        "Landlord partnership program",
        "Connects renters with landlords who agree to look past an eviction record or low credit, "
        "backed by a risk-mitigation fund and a tenancy-support worker.",
        "Renters working with a River City case worker.",
        FREE,
        ("shelter",),
        ("daily_living", "financial"),
        "office",
        apply="Your case worker sends a referral; we call you within a week.",
    ),
    Tpl(
        "eviction-prevention",
        "Eviction prevention fund",
        "One-time help with back rent or a security deposit, paid straight to the landlord, with "
        "a budgeting session so the next months hold.",
        LOW_INCOME + " Must have a written notice or a new lease.",
        FREE,
        ("shelter", "financial"),
        ("daily_living", "financial"),
        "office",
    ),
    Tpl(
        "transitional-housing",
        "Transitional housing",
        "Furnished apartments for up to 24 months with weekly case management, while residents "
        "save, study or work toward a permanent home.",
        "Adults leaving shelter who are working or in school.",
        "Rent is 30% of income.",
        ("shelter",),
        ("daily_living", "financial"),
        "office",
        apply="Referral from a shelter or case worker; interview required.",
    ),
    # Food
    Tpl(
        "pantry",
        "Food pantry — {site}",
        "Choose your own groceries: fresh produce, dairy, bread, canned goods and household "
        "basics, once a week.",
        "Anyone in need; bring something with your name on it if you have it.",
        FREE,
        ("food",),
        ("daily_living",),
        "pantry",
        per_site=True,
        capacity="capacity",
        capacity_notes="Walk-ins welcome during distribution hours.",
    ),
    Tpl(
        "mobile-pantry",
        "Mobile pantry",
        "A refrigerated truck that sets up in school and church car parks around the city, "
        "with fresh produce and protein boxes.",
        ANYONE,
        FREE,
        ("food",),
        ("daily_living",),
        "weekend",
    ),
    Tpl(
        "community-meal",
        "Community meal — {site}",
        "A hot sit-down meal, served with no questions asked. Take-away boxes available.",
        "Everyone welcome.",
        FREE,
        ("food",),
        ("daily_living", "social_supports"),
        "meal",
        per_site=True,
        capacity="capacity",
    ),
    Tpl(
        "kids-backpacks",
        "Weekend food backpacks for children",
        "A backpack of kid-friendly food sent home each Friday through partner schools, so "
        "children eat well over the weekend.",
        "Children at partner elementary schools; ask the school counsellor.",
        FREE,
        ("food",),
        ("daily_living",),
        "weekly_day",
        max_age=12,
    ),
    Tpl(
        "senior-groceries",
        "Grocery delivery for seniors",
        "A monthly box of groceries delivered by volunteers to older adults who cannot get to "
        "a pantry.",
        "Adults 60 and over, or with a disability, who are homebound.",
        FREE,
        ("food",),
        ("daily_living", "health"),
        "office",
        min_age=60,
    ),
    Tpl(
        "halal-pantry",
        "Halal food pantry",
        "Halal meat, rice, lentils, dates and fresh produce each week; staff speak Arabic and "
        "Somali.",
        ANYONE,
        FREE,
        ("food",),
        ("daily_living", "spirituality_culture"),
        "pantry",
        languages=("ar", "so"),
    ),
    Tpl(
        "campus-pantry",
        "Student food pantry",
        "Free groceries and hygiene items for students, no questions asked, plus help applying "
        "for SNAP.",
        "Enrolled students.",
        FREE,
        ("food", "benefits"),
        ("daily_living", "vocational_education"),
        "pantry",
    ),
    # Counselling and crisis
    Tpl(
        "counselling",
        "Individual counselling",
        "Short- and longer-term counselling with licensed therapists for anxiety, depression, "
        "stress and life changes. Evening appointments available.",
        "Adults 18 and over.",
        SLIDING + " Medicaid accepted.",
        ("counselling", "health"),
        ("health",),
        "office_late",
        min_age=18,
    ),
    Tpl(
        "family-counselling",
        "Family counselling",
        "Sessions for parents and children together, to rebuild routines and talk through "
        "change, separation or loss.",
        "Families with children of any age.",
        SLIDING,
        ("counselling",),
        ("health", "social_supports"),
        "office_late",
    ),
    Tpl(
        "trauma-counselling",
        "Trauma counselling",
        "Counselling for survivors of violence and trauma, with therapists trained in "
        "trauma-focused approaches. You set the pace.",
        "Survivors 14 and over.",
        FREE,
        ("counselling",),
        ("health",),
        "office",
        min_age=14,
        capacity="waitlist",
        capacity_notes="Waitlist about three weeks; a counsellor calls in the meantime.",
    ),
    Tpl(
        "teen-counselling",
        "Counselling for children and teens",
        "Play therapy for younger children and talk therapy for teens, with check-ins for parents.",
        "Children and young people 5 to 18.",
        SLIDING,
        ("counselling",),
        ("health",),
        "after_school",
        min_age=5,
        max_age=18,
    ),
    Tpl(
        "crisis-line",
        "24-hour crisis line",
        "Trained counsellors answer day and night by phone and text, for anyone in emotional "
        "distress or worried about someone else.",
        "Anyone.",
        FREE,
        ("crisis", "counselling"),
        ("health",),
        "24_7",
        capacity="capacity",
        capacity_notes="Always answering.",
        apply="Call or text any time.",
    ),
    Tpl(
        "walk-in-crisis",
        "Walk-in mental health clinic",
        "See a counsellor the same day without an appointment, for a crisis or a first step.",
        "Anyone 16 and over.",
        FREE,
        ("crisis", "health"),
        ("health",),
        "drop_in",
        min_age=16,
    ),
    Tpl(
        "substance-counselling",
        "Substance use counselling",
        "Outpatient counselling, medication for opioid use disorder and relapse-prevention "
        "planning, in person or by video.",
        "Adults 18 and over.",
        SLIDING + " Medicaid accepted.",
        ("counselling", "health"),
        ("health",),
        "office_late",
        min_age=18,
    ),
    # Support groups
    Tpl(
        "recovery-meeting",
        "Recovery meeting — {site}",
        "An open peer recovery meeting; coffee from 6:30. Newcomers and long-timers welcome.",
        "Anyone who wants to stop or has stopped drinking or using.",
        FREE,
        ("support",),
        ("health", "social_supports"),
        "weekly_evening",
        per_site=True,
        capacity="capacity",
        apply="Just come.",
    ),
    Tpl(
        "parents-group",
        "Parents' support circle",
        "Parents share what works, with a facilitator and childcare in the next room.",
        "Parents and carers of children under 18.",
        FREE,
        ("support",),
        ("social_supports",),
        "weekly_evening",
    ),
    Tpl(
        "grief-group",
        "Grief support group",
        "An eight-week group for adults who have lost someone close, led by a grief counsellor.",
        "Adults 18 and over.",
        FREE,
        ("support", "counselling"),
        ("social_supports", "health"),
        "weekly_evening",
        min_age=18,
    ),
    Tpl(
        "caregivers-circle",
        "Caregivers' circle",
        "A monthly-plus-weekly group for people caring for a relative, with respite tips and "
        "a guest speaker each month.",
        "Family caregivers.",
        FREE,
        ("support",),
        ("social_supports",),
        "weekly_day",
    ),
    Tpl(
        "survivors-group",
        "Survivors' support group",
        "A confidential group for survivors of domestic violence. The meeting place is shared "
        "after a phone call.",
        "Survivors 18 and over.",
        FREE,
        ("support",),
        ("social_supports", "health"),
        "weekly_evening",
        min_age=18,
        capacity="additional-assessment-required",
        capacity_notes="Short phone call with the facilitator first.",
    ),
    Tpl(
        "newcomers-circle",
        "Newcomers' circle",
        "Newcomers to the city meet neighbours, practise English and learn how things work "
        "here — schools, clinics, buses, rent.",
        "New arrivals of any status.",
        FREE,
        ("support", "culture"),
        ("social_supports", "spirituality_culture"),
        "weekly_day",
        languages=("es",),
    ),
    Tpl(
        "peer-support",
        "Peer support drop-in",
        "People with lived experience of mental illness run a welcoming drop-in with games, art "
        "and one-to-one peer support.",
        "Adults 18 and over.",
        FREE,
        ("support", "health"),
        ("social_supports", "health"),
        "drop_in",
        min_age=18,
    ),
    # Financial literacy
    Tpl(
        "budgeting",
        "Budgeting basics workshop",
        "A four-week workshop: a budget that fits your real income, cutting fees, and a plan "
        "for the next three months. Workbook to keep.",
        ANYONE,
        FREE,
        ("financial",),
        ("financial",),
        "evening_class",
    ),
    Tpl(
        "credit-clinic",
        "Credit repair clinic",
        "One-to-one help reading your credit report, disputing errors and building credit "
        "after an eviction or debt collection.",
        ANYONE,
        FREE,
        ("financial",),
        ("financial",),
        "weekly_evening",
        capacity="waitlist",
        capacity_notes="Appointments booked about two weeks out.",
    ),
    Tpl(
        "tax-prep",
        "Free tax preparation",
        "IRS-certified volunteers prepare and e-file returns and claim the credits you are "
        "owed, including the Earned Income Tax Credit.",
        "Households earning under $67,000 a year.",
        FREE,
        ("financial", "benefits"),
        ("financial",),
        "tax_season",
        apply="Book by phone, or walk in on Saturdays; bring ID and income documents.",
    ),
    Tpl(
        "coaching",
        "One-to-one financial coaching",
        "Meet a coach monthly to set a money goal — a deposit, a debt paid, savings — and "
        "track it together.",
        ANYONE,
        FREE,
        ("financial",),
        ("financial",),
        "office_late",
    ),
    Tpl(
        "banking-basics",
        "Banking for beginners",
        "Open a low-cost account, avoid overdraft fees, and set up direct deposit and bill pay. "
        "ITIN and matrícula consular accepted.",
        ANYONE,
        FREE,
        ("financial",),
        ("financial",),
        "weekly_evening",
        languages=("es",),
    ),
    Tpl(
        "matched-savings",
        "Matched savings account",
        "Save for a home, school or small business and get $2 for every $1 saved, up to $2,000, "
        "with money classes along the way.",
        LOW_INCOME + " Must have earned income.",
        FREE,
        ("financial",),
        ("financial", "vocational_education"),
        "office",
        capacity="waitlist",
        capacity_notes="Next cohort opens in the spring; join the interest list.",
    ),
    Tpl(
        "renters-money",
        "Money for renters workshop",
        "A two-session workshop on saving a deposit, reading a lease, renters' insurance and "
        "talking to a landlord about payment plans.",
        ANYONE,
        FREE,
        ("financial",),
        ("financial", "daily_living"),
        "evening_class",
    ),
    # Legal aid
    Tpl(
        "eviction-defence",
        "Eviction defence",
        "Lawyers represent tenants facing eviction in court and negotiate move-out time or "
        "payment plans.",
        LOW_INCOME + " Bring any court papers.",
        FREE,
        ("legal", "shelter"),
        ("daily_living",),
        "office",
        capacity="additional-assessment-required",
        capacity_notes="Intake screening by phone; court dates within 14 days go first.",
    ),
    Tpl(
        "record-sealing",
        "Record sealing and expungement clinic",
        "Volunteer lawyers check whether eviction or criminal records can be sealed and file "
        "the papers, so old records stop blocking housing and jobs.",
        LOW_INCOME,
        FREE,
        ("legal",),
        ("daily_living", "vocational_education"),
        "monthly_sat",
    ),
    Tpl(
        "family-law",
        "Family law clinic",
        "Advice on custody, child support, divorce and protective orders; help filling in court "
        "forms.",
        LOW_INCOME,
        FREE,
        ("legal",),
        ("social_supports",),
        "weekly_evening",
    ),
    Tpl(
        "benefits-appeals",
        "Benefits appeals",
        "Help when SNAP, Medicaid, disability or unemployment benefits are denied or cut.",
        LOW_INCOME,
        FREE,
        ("legal", "benefits"),
        ("financial",),
        "office",
    ),
    Tpl(
        "tenant-hotline",
        "Tenant rights hotline",
        "Call for advice on repairs, deposits, lockouts and notices; we explain your rights and "
        "what to say to your landlord.",
        "Renters in River City.",
        FREE,
        ("legal", "shelter"),
        ("daily_living",),
        "office_late",
    ),
    Tpl(
        "immigration",
        "Immigration legal consultations",
        "Accredited representatives and attorneys help with family petitions, DACA renewals, "
        "work permits and citizenship applications.",
        "Immigrants and their families; no one is asked about status to get an appointment.",
        "Free consultation; filing fees may apply (waivers available).",
        ("legal",),
        ("social_supports", "vocational_education"),
        "office",
        languages=("es",),
        capacity="waitlist",
        capacity_notes="Consultations booked about a month out; urgent cases sooner.",
    ),
    Tpl(
        "debt-law",
        "Debt and consumer law help",
        "Advice on debt collection lawsuits, wage garnishment, payday loans and car repossessions.",
        LOW_INCOME,
        FREE,
        ("legal", "financial"),
        ("financial",),
        "weekly_day",
    ),
    # Job training
    Tpl(
        "job-readiness",
        "Job readiness class",
        "A two-week class: what employers look for, interview practice, and a résumé you leave "
        "with. Bus passes provided.",
        "Adults 18 and over looking for work.",
        FREE,
        ("jobs",),
        ("vocational_education",),
        "day_class",
        min_age=18,
    ),
    Tpl(
        "resume-help",
        "Résumé and interview help — {site}",
        "Drop in for a résumé review, online applications or a mock interview with a career coach.",
        ANYONE,
        FREE,
        ("jobs",),
        ("vocational_education",),
        "drop_in",
        per_site=True,
    ),
    Tpl(
        "computer-skills",
        "Computer skills for work",
        "Email, documents, spreadsheets and online job applications, at your own pace with a "
        "tutor nearby.",
        ANYONE,
        FREE,
        ("jobs", "education"),
        ("vocational_education",),
        "day_class",
    ),
    Tpl(
        "forklift",
        "Warehouse and forklift certification",
        "A three-week course with a forklift certificate and introductions to local warehouses.",
        "Adults 18 and over with a valid ID.",
        FREE,
        ("jobs",),
        ("vocational_education",),
        "day_class",
        min_age=18,
        capacity="waitlist",
        capacity_notes="Next class starts in about five weeks.",
    ),
    Tpl(
        "healthcare-careers",
        "Healthcare careers bridge",
        "Prepares adults for certified nursing assistant, phlebotomy and medical assistant "
        "programs: anatomy basics, maths refresher and a job shadow day.",
        "Adults 18 and over with a high school diploma or GED.",
        FREE,
        ("jobs", "education"),
        ("vocational_education",),
        "evening_class",
        min_age=18,
    ),
    Tpl(
        "youth-jobs",
        "Summer jobs for young people",
        "Paid six-week summer placements with local employers, plus a weekly skills workshop.",
        "Young people 16 to 21 living in River City.",
        FREE,
        ("jobs",),
        ("vocational_education",),
        "summer",
        min_age=16,
        max_age=21,
    ),
    Tpl(
        "unemployment-help",
        "Unemployment claims help",
        "Help filing an unemployment claim, weekly certifications and appeals.",
        "Anyone who lost work in the last 18 months.",
        FREE,
        ("jobs", "benefits"),
        ("financial", "vocational_education"),
        "office",
    ),
    # Childcare
    Tpl(
        "childcare-centre",
        "Early learning centre",
        "Full-day care and early learning for babies to five-year-olds, with meals included.",
        "Children 6 weeks to 5 years.",
        SLIDING + " Childcare subsidies accepted.",
        ("childcare",),
        ("daily_living",),
        "childcare",
        max_age=5,
        capacity="waitlist",
        capacity_notes="Toddler room waitlist about two months; infant room full.",
    ),
    Tpl(
        "after-school",
        "After-school program — {site}",
        "Homework help, a snack, sport and art until parents finish work.",
        "Children 6 to 13.",
        "$10 a week; free with a school lunch letter.",
        ("childcare", "arts"),
        ("leisure", "social_supports"),
        "after_school",
        per_site=True,
        min_age=6,
        max_age=13,
    ),
    Tpl(
        "preschool",
        "Free preschool",
        "A free half-day preschool for three- and four-year-olds, with family support visits.",
        "Children 3 to 4 in families under the income limit.",
        FREE,
        ("childcare", "education"),
        ("daily_living",),
        "preschool",
        min_age=3,
        max_age=4,
    ),
    Tpl(
        "subsidy-help",
        "Childcare subsidy application help",
        "We fill in the state childcare subsidy application with you and find providers with "
        "openings near home or work.",
        "Working or studying parents.",
        FREE,
        ("childcare", "benefits"),
        ("financial", "daily_living"),
        "office",
    ),
    Tpl(
        "summer-camp",
        "Summer day camp",
        "Swimming, field trips, art and reading, Monday to Friday through the summer.",
        "Children 6 to 12.",
        SLIDING,
        ("childcare", "arts"),
        ("leisure",),
        "summer",
        min_age=6,
        max_age=12,
    ),
    # Adult education
    Tpl(
        "ged",
        "GED preparation classes",
        "Small classes in maths, reading, science and social studies, with test vouchers for "
        "students who are ready.",
        "Adults 17 and over without a high school diploma.",
        FREE,
        ("education",),
        ("vocational_education",),
        "evening_class",
        min_age=17,
    ),
    Tpl(
        "esl",
        "English classes (ESL) — {site}",
        "English for everyday life and work, from beginner to advanced. Placement test on the "
        "first day.",
        "Adults 16 and over.",
        FREE,
        ("education",),
        ("vocational_education", "social_supports"),
        "day_class",
        per_site=True,
        min_age=16,
    ),
    Tpl(
        "citizenship",
        "Citizenship classes",
        "Prepare for the citizenship interview and civics test, with help on the application.",
        "Permanent residents.",
        FREE,
        ("education", "legal"),
        ("vocational_education", "spirituality_culture"),
        "weekly_evening",
    ),
    Tpl(
        "digital-literacy",
        "Digital skills for everyday life",
        "Use a smartphone or laptop for email, video calls, online forms and safe browsing. "
        "Take home a refurbished laptop when you finish.",
        ANYONE,
        FREE,
        ("education",),
        ("vocational_education", "daily_living"),
        "day_class",
    ),
    Tpl(
        "literacy-tutoring",
        "Adult reading tutoring",
        "Free one-to-one tutoring with a trained volunteer, twice a week, at a time that suits "
        "you.",
        "Adults who want to read and write more confidently.",
        FREE,
        ("education",),
        ("vocational_education",),
        "office_late",
        capacity="waitlist",
        capacity_notes="Matched with a tutor in about four weeks.",
    ),
    Tpl(
        "college-help",
        "College and financial aid help",
        "Help choosing a program, applying, and filing the FAFSA and fee-waiver forms.",
        "Adults planning to start or return to college.",
        FREE,
        ("education", "financial"),
        ("vocational_education", "financial"),
        "office_late",
    ),
    # Health
    Tpl(
        "primary-care",
        "Primary care — {site}",
        "Check-ups, chronic illness care, lab work and referrals, for the whole family.",
        "Everyone; uninsured patients welcome.",
        SLIDING + " Medicaid and Medicare accepted.",
        ("health",),
        ("health",),
        "clinic",
        per_site=True,
    ),
    Tpl(
        "dental",
        "Dental clinic",
        "Cleanings, fillings, extractions and emergency dental care.",
        "Everyone; uninsured patients welcome.",
        SLIDING,
        ("health",),
        ("health",),
        "office",
        capacity="waitlist",
        capacity_notes="New patients wait about six weeks; emergencies seen the same day.",
    ),
    Tpl(
        "womens-health",
        "Women's health clinic",
        "Prenatal care, family planning, cancer screenings and menopause care.",
        "Women and people of any gender who need these services.",
        SLIDING,
        ("health",),
        ("health",),
        "office_late",
    ),
    Tpl(
        "vaccines",
        "Walk-in vaccination clinic",
        "Flu, COVID-19, childhood and travel vaccines with no appointment.",
        "Everyone 6 months and over.",
        "Free for children; adults free with most insurance or on a sliding scale.",
        ("health",),
        ("health",),
        "weekly_day",
    ),
    Tpl(
        "prescriptions",
        "Prescription assistance",
        "A pharmacist helps you get medicines at low or no cost through discount and "
        "manufacturer programs.",
        "Uninsured or underinsured patients.",
        FREE,
        ("health", "benefits"),
        ("health", "financial"),
        "office",
    ),
    Tpl(
        "evening-clinic",
        "Evening free clinic",
        "Volunteer doctors and nurses see patients without insurance two evenings a week.",
        "Adults without health insurance.",
        FREE,
        ("health",),
        ("health",),
        "evening_clinic",
        min_age=18,
        capacity="capacity",
        capacity_notes="First 25 patients each evening; arrive by 5:30 pm.",
    ),
    Tpl(
        "vision",
        "Vision screening and glasses",
        "Eye exams and free glasses for children and adults.",
        LOW_INCOME,
        FREE,
        ("health",),
        ("health",),
        "monthly_sat",
    ),
    Tpl(
        "diabetes-group",
        "Diabetes self-management group",
        "Six weekly sessions with a nurse and a dietitian: food, movement, medicines and blood "
        "sugar checks.",
        "Adults living with diabetes or prediabetes.",
        FREE,
        ("health", "support"),
        ("health",),
        "weekly_day",
        min_age=18,
    ),
    Tpl(
        "mobile-clinic",
        "Mobile health van",
        "A clinic on wheels: check-ups, blood pressure, wound care and vaccines at shelters, "
        "pantries and parks.",
        "Everyone.",
        FREE,
        ("health",),
        ("health",),
        "mobile",
    ),
    # Benefits
    Tpl(
        "benefits-screening",
        "Benefits check-up",
        "A 30-minute screening for every benefit you may qualify for, then help applying for "
        "SNAP, Medicaid, WIC, tax credits and more.",
        ANYONE,
        FREE,
        ("benefits",),
        ("financial",),
        "office_late",
    ),
    Tpl(
        "snap-help",
        "SNAP (food stamps) application help",
        "We apply with you, upload documents and prepare you for the phone interview.",
        ANYONE,
        FREE,
        ("benefits", "food"),
        ("financial", "daily_living"),
        "office",
    ),
    Tpl(
        "insurance-enrolment",
        "Health insurance enrolment",
        "Certified navigators help you enrol in Medicaid or a marketplace plan and compare costs.",
        ANYONE,
        FREE,
        ("benefits", "health"),
        ("health", "financial"),
        "office",
    ),
    Tpl(
        "utility-help",
        "Utility bill assistance",
        "Help with heating and electric bills, shut-off notices and payment plans through the "
        "energy assistance program.",
        LOW_INCOME + " Bring a recent bill.",
        FREE,
        ("benefits",),
        ("financial", "daily_living"),
        "office",
        capacity="waitlist",
        capacity_notes="Appointments about ten days out; shut-off notices seen first.",
    ),
    Tpl(
        "phone-discount",
        "Phone and internet discounts",
        "Sign up for discounted phone and home internet plans, and get a free phone if eligible.",
        "Households receiving SNAP, Medicaid or other benefits.",
        FREE,
        ("benefits",),
        ("daily_living",),
        "drop_in",
    ),
    Tpl(
        "disability-benefits",
        "Disability benefits help",
        "Help applying for SSI and SSDI, gathering medical records and preparing for reviews.",
        "Adults with a disability or long-term illness.",
        FREE,
        ("benefits", "legal"),
        ("financial", "health"),
        "office",
        capacity="additional-assessment-required",
        capacity_notes="A case manager reviews your situation at a first meeting.",
    ),
    Tpl(
        "wic",
        "WIC nutrition program",
        "Healthy foods, breastfeeding support and nutrition advice for pregnant people, new "
        "parents and young children.",
        "Pregnant people, new parents and children under 5, within the income limit.",
        FREE,
        ("benefits", "food"),
        ("daily_living", "health"),
        "office",
    ),
    # Transport
    Tpl(
        "bus-pass",
        "Reduced-fare bus pass",
        "Half-price monthly bus passes, and free passes for job interviews and medical "
        "appointments.",
        LOW_INCOME,
        "Monthly pass $25 (regular $50).",
        ("transport",),
        ("daily_living",),
        "office",
    ),
    Tpl(
        "medical-rides",
        "Rides to medical appointments",
        "Volunteer drivers take you to and from medical, dental and counselling appointments.",
        "Adults without a car; book two days ahead.",
        FREE,
        ("transport", "health"),
        ("daily_living", "health"),
        "office",
        apply="Call at least two working days before the appointment.",
    ),
    Tpl(
        "grocery-shuttle",
        "Grocery shuttle",
        "A weekly van to a full-size grocery store and back from senior buildings and apartments.",
        "Older adults and people with disabilities.",
        FREE,
        ("transport", "food"),
        ("daily_living",),
        "weekly_day",
    ),
    Tpl(
        "bike-library",
        "Bike library and repair classes",
        "Borrow a bike with a lock and helmet for up to a year, and learn to fix it in Saturday "
        "classes.",
        "Adults and teens 14 and over.",
        "Free; a $10 refundable deposit.",
        ("transport", "arts"),
        ("daily_living", "leisure"),
        "weekend",
        min_age=14,
    ),
    Tpl(
        "car-repair",
        "Car repair assistance",
        "Low-cost repairs by a training garage, and a small fund for repairs that keep people "
        "getting to work.",
        "Working adults with income under the limit.",
        "Parts at cost; labour free.",
        ("transport", "financial"),
        ("daily_living", "vocational_education"),
        "office",
        capacity="waitlist",
        capacity_notes="About three weeks for non-urgent repairs.",
    ),
    Tpl(
        "travel-training",
        "Travel training",
        "Learn to ride the bus confidently: trip planning, fares, and riding along with a "
        "trainer until you're ready.",
        "Older adults and people with disabilities.",
        FREE,
        ("transport",),
        ("daily_living",),
        "office",
    ),
    # Arts, culture, household
    Tpl(
        "open-studio",
        "Open studio nights",
        "Painting, drawing and ceramics in a shared studio, with materials provided and artists "
        "on hand to help. Show and sell work at the spring exhibition.",
        "Adults 16 and over; no experience needed.",
        "Pay what you can ($0–$10).",
        ("arts",),
        ("leisure", "social_supports"),
        "weekly_evening",
        min_age=16,
    ),
    Tpl(
        "art-groups",
        "Art therapy group",
        "A small group with an art therapist, using art to work through stress and change.",
        "Adults 18 and over.",
        FREE,
        ("arts", "counselling"),
        ("health", "leisure"),
        "weekly_day",
        min_age=18,
    ),
    Tpl(
        "kids-art",
        "Saturday art for kids",
        "Drawing, painting and clay for children, with a parent or carer.",
        "Children 5 to 12 with an adult.",
        FREE,
        ("arts",),
        ("leisure",),
        "weekend",
        min_age=5,
        max_age=12,
    ),
    Tpl(
        "makers-market",
        "Riverfront Saturday Makers Market",
        "Local artists, growers and makers sell their work on the riverfront. Low-cost stalls "
        "for first-time sellers, with a mentor.",
        "Anyone selling things they make or grow.",
        "Stall $15 a day; first month free for new sellers.",
        ("arts", "business"),
        ("vocational_education", "leisure"),
        "market",
    ),
    Tpl(
        "faith-community",
        "Community worship and fellowship",
        "Weekly worship, a shared meal afterwards and small groups through the week. All are "
        "welcome whatever their faith or none.",
        "Everyone welcome.",
        FREE,
        ("culture",),
        ("spirituality_culture", "social_supports"),
        "sunday",
    ),
    Tpl(
        "cultural-programs",
        "Cultural programs and celebrations",
        "Language classes for children, music and dance, and celebrations of holidays from the "
        "community's home countries.",
        "Everyone welcome.",
        FREE,
        ("culture", "arts"),
        ("spirituality_culture", "leisure"),
        "weekend",
    ),
    Tpl(
        "seniors-lunch",
        "Seniors' lunch and activities",
        "A hot lunch, exercise class, cards and day trips for older adults.",
        "Adults 60 and over.",
        "Suggested donation $2.",
        ("food", "arts"),
        ("social_supports", "leisure"),
        "meal",
        min_age=60,
    ),
    Tpl(
        "clothing-closet",
        "Clothing closet",
        "Free clean clothing and shoes for all ages, including work and interview clothes.",
        ANYONE,
        FREE,
        ("household",),
        ("daily_living",),
        "weekly_day",
    ),
    Tpl(
        "furniture-bank",
        "Furniture for new homes",
        "Beds, tables, sofas and kitchen kits for people moving out of homelessness, delivered "
        "free.",
        "People moving into housing, referred by a case worker.",
        "Free; a $35 delivery fee may be waived.",
        ("household", "shelter"),
        ("daily_living",),
        "office",
        capacity="waitlist",
        capacity_notes="Deliveries booked about two weeks out.",
        apply="Your case worker sends the referral once you have a move-in date.",
    ),
    Tpl(
        "diaper-bank",
        "Diaper bank",
        "Diapers, wipes and baby formula each month for families with babies and toddlers.",
        "Families with children under 3.",
        FREE,
        ("household",),
        ("daily_living",),
        "weekly_day",
    ),
    # Everyday help found at many agencies
    Tpl(
        "case-management",
        "Case management",
        "A case worker meets you regularly to make a plan around what matters to you, and "
        "connects you with housing, benefits, health care and other help.",
        "Adults and families working with {org}.",
        FREE,
        ("case",),
        ("daily_living", "social_supports"),
        "office",
    ),
    Tpl(
        "id-help",
        "ID and birth certificate help",
        "Help replacing a state ID, birth certificate or Social Security card, with fee vouchers.",
        ANYONE,
        "Free; we pay the state fees for people who cannot.",
        ("benefits",),
        ("daily_living",),
        "weekly_day",
    ),
    Tpl(
        "mail-service",
        "Mail and address service",
        "Use our address to receive mail, benefits letters and court notices while you have no "
        "fixed home.",
        "People without a stable address.",
        FREE,
        ("shelter",),
        ("daily_living",),
        "office",
        capacity="capacity",
    ),
    Tpl(
        "showers-laundry",
        "Showers and laundry",
        "Hot showers, toiletries and two washing machines; towels provided.",
        ANYONE,
        FREE,
        ("household",),
        ("daily_living", "health"),
        "drop_in",
        capacity="capacity",
    ),
    Tpl(
        "volunteer",
        "Volunteer opportunities",
        "Give a few hours a week at {org}: sorting, driving, tutoring, welcoming visitors. A "
        "good way to meet people and get a reference for work.",
        "Anyone 14 and over; under 18 with a parent's permission.",
        FREE,
        ("volunteer",),
        ("social_supports", "vocational_education"),
        "office",
        min_age=14,
        capacity="capacity",
    ),
    Tpl(
        "parenting-class",
        "Parenting classes",
        "A six-week class on routines, calm discipline and talking with children, with "
        "childcare and supper.",
        "Parents and carers; court-referred parents welcome.",
        FREE,
        ("support", "childcare"),
        ("social_supports",),
        "evening_class",
    ),
    Tpl(
        "fitness",
        "Community fitness classes",
        "Walking club, chair yoga and strength classes for every level.",
        ANYONE,
        FREE,
        ("arts", "health"),
        ("leisure", "health"),
        "day_class",
        capacity="capacity",
    ),
    Tpl(
        "youth-mentoring",
        "Youth mentoring",
        "A trained adult mentor meets a young person every week for two years: homework, "
        "sport, trips and someone in their corner.",
        "Young people 8 to 17.",
        FREE,
        ("support",),
        ("social_supports", "leisure"),
        "after_school",
        min_age=8,
        max_age=17,
        capacity="waitlist",
        capacity_notes="More children than mentors; matches take about three months.",
    ),
    Tpl(
        "home-visiting",
        "Home visits for new parents",
        "A nurse or family coach visits at home from pregnancy to the child's second birthday.",
        "Pregnant people and parents of babies under 6 months.",
        FREE,
        ("health", "childcare"),
        ("health", "social_supports"),
        "office",
    ),
    Tpl(
        "hiv-testing",
        "Free HIV and STI testing",
        "Confidential rapid testing with results in 20 minutes, PrEP and treatment referrals.",
        "Anyone 13 and over.",
        FREE,
        ("health",),
        ("health",),
        "weekly_evening",
        min_age=13,
        capacity="capacity",
    ),
    Tpl(
        "community-garden",
        "Community garden plots",
        "Rent a raised bed for the season, with seeds, tools, water and gardening classes.",
        ANYONE,
        "$10 a season; free for people receiving SNAP.",
        ("food", "arts"),
        ("leisure", "daily_living"),
        "market",
    ),
    Tpl(
        "walk-in-legal",
        "Walk-in legal advice — {site}",
        "Bring your papers and speak with a lawyer or paralegal for brief advice, no "
        "appointment needed.",
        LOW_INCOME,
        FREE,
        ("legal",),
        ("daily_living", "financial"),
        "weekly_evening",
        per_site=True,
        capacity="capacity",
        capacity_notes="First come, first served; arrive 30 minutes early.",
    ),
    Tpl(
        "interpreting",
        "Interpreting and translation help",
        "Staff interpret at appointments and help read letters from schools, landlords and "
        "government offices.",
        "Community members who speak languages other than English.",
        FREE,
        ("culture",),
        ("daily_living", "spirituality_culture"),
        "office",
    ),
    Tpl(
        "renters-rights",
        "Renters' rights workshop",
        "A one-evening workshop on leases, repairs, deposits and what to do with an eviction "
        "notice.",
        "Renters in River City.",
        FREE,
        ("legal", "shelter"),
        ("daily_living",),
        "weekly_evening",
        capacity="capacity",
    ),
    Tpl(
        "family-finances-es",
        "Taller de finanzas familiares",
        "Un taller de cuatro semanas en español: presupuesto familiar, ahorro, crédito y cómo "
        "enviar dinero sin pagar de más. Family finance workshop taught in Spanish.",
        "Todas las familias; no se piden documentos.",
        "Gratis.",
        ("financial",),
        ("financial",),
        "evening_class",
        languages=("es",),
        english=False,
        capacity="capacity",
        capacity_notes="Hay cupo en el próximo grupo (seats open).",
    ),
    # Small business
    Tpl(
        "business-coaching",
        "Small business start-up coaching",
        "Turn a skill into a business: a business plan, pricing, licences and your first "
        "customers, with a coach who meets you monthly.",
        "Anyone starting or running a business with fewer than five employees.",
        FREE,
        ("business", "financial"),
        ("vocational_education", "financial"),
        "office_late",
    ),
    Tpl(
        "microloans",
        "Microloans for small businesses",
        "Loans from $500 to $15,000 for equipment, stock or a first workspace, for people banks "
        "turn away.",
        "Business owners in River City; no minimum credit score.",
        "Interest 6–9%; no application fee.",
        ("business", "financial"),
        ("financial", "vocational_education"),
        "office",
        capacity="additional-assessment-required",
        capacity_notes="Meet a loan officer first to review your plan.",
    ),
    Tpl(
        "sewing-classes",
        "Sewing and tailoring classes",
        "Industrial sewing machines, alterations and pattern making, with a path to paid "
        "contract work in the co-op.",
        "Adults 16 and over.",
        "$20 per eight-week course; scholarships available.",
        ("jobs", "business", "arts"),
        ("vocational_education", "leisure"),
        "evening_class",
        languages=("es",),
        min_age=16,
    ),
]
TPL = {t.slug: t for t in TEMPLATES}
assert len(TPL) == len(TEMPLATES), "template slugs must be unique"


# --- organisations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    description: str
    sites: tuple[str, ...]  # neighbourhoods of its locations; the first is the main office
    offers: str  # template slugs, separated by spaces
    alternate_name: str = ""
    languages: tuple[str, ...] = ()  # spoken by staff in every service
    program: str = ""  # HSDS program grouping all its services, if any
    extra: tuple[dict[str, Any], ...] = field(default_factory=tuple)  # hand-written services


ORGS = [
    Org(
        "harbor-light",
        "Harbor Light Shelter",
        "River City's largest emergency shelter, open since 1962, with meals and housing help.",
        ("Riverside", "Downtown"),
        "overnight-shelter family-shelter community-meal housing-search clothing-closet benefits-screening case-management id-help mail-service showers-laundry",
    ),
    Org(
        "bellwood-family",
        "Bellwood Family Shelter",
        "Family shelter and support for parents with children in the north of the city.",
        ("Bellwood",),
        "family-shelter parents-group after-school subsidy-help diaper-bank family-counselling case-management parenting-class",
        languages=("ht",),
    ),
    Org(
        "haven-house",
        "Haven House",
        "Safety, shelter and advocacy for survivors of domestic violence and their children. "
        "The shelter address is confidential; the office below is the public door.",
        ("Downtown",),
        "womens-shelter trauma-counselling survivors-group family-law crisis-line teen-counselling case-management parenting-class",
        alternate_name="Haven House Survivor Services",
        languages=("es",),
    ),
    Org(
        "housing-collab",
        "River City Housing Collaborative",
        "A partnership of landlords, agencies and the city working to make homelessness rare, "
        "brief and one-time.",
        ("Downtown", "Union Flats"),
        "landlord-liaison eviction-prevention transitional-housing housing-search tenant-hotline furniture-bank case-management id-help renters-rights",
        program="Housing First Partnership",
        extra=(
            {
                "slug": "river-city-rapid-rehousing",
                "template": "rapid-rehousing",
                "name": "River City Rapid Re-housing",
                "capacity": "capacity",
                "capacity_notes": "Enrolling households from shelters and motels this month.",
            },
        ),
    ),
    Org(
        "lantern-youth",
        "Lantern Youth Services",
        "Shelter, school support and jobs for young people 16 to 24.",
        ("Old Mill",),
        "youth-shelter youth-jobs teen-counselling ged resume-help peer-support case-management id-help mail-service showers-laundry youth-mentoring fitness hiv-testing",
    ),
    Org(
        "river-valley-food",
        "River Valley Food Bank",
        "Supplies more than 60 pantries and runs its own mobile and school programs.",
        ("Southmoor", "Harbor Point"),
        "mobile-pantry kids-backpacks senior-groceries snap-help pantry wic volunteer community-garden",
        languages=("es", "vi"),
    ),
    Org(
        "good-neighbor",
        "Good Neighbor Pantry Network",
        "Volunteer-run client-choice pantries in three neighbourhoods.",
        ("Union Flats", "Maple Heights", "Westbrook"),
        "pantry clothing-closet diaper-bank volunteer community-garden",
        alternate_name="Good Neighbor Pantries",
    ),
    Org(
        "st-brendan",
        "St. Brendan of the River Parish Outreach",
        "A parish outreach ministry serving neighbours of every faith.",
        ("Old Mill",),
        "community-meal pantry clothing-closet faith-community grief-group recovery-meeting case-management id-help mail-service showers-laundry volunteer community-garden",
        languages=("es",),
    ),
    Org(
        "al-noor",
        "Al-Noor Community Center",
        "A mosque and community centre welcoming families from many countries.",
        ("Cedar Park",),
        "halal-pantry faith-community cultural-programs esl newcomers-circle after-school case-management fitness youth-mentoring interpreting",
        languages=("ar", "so"),
    ),
    Org(
        "harbor-point-vietnamese",
        "Harbor Point Vietnamese Community Association",
        "Language, culture and practical help for Vietnamese-speaking families since 1979.",
        ("Harbor Point",),
        "esl citizenship benefits-screening seniors-lunch cultural-programs insurance-enrolment case-management volunteer community-garden interpreting",
        languages=("vi",),
    ),
    Org(
        "horn-bridge",
        "Horn of Africa Family Bridge",
        "Somali-led family support: benefits, school liaison, youth mentoring and interpreting.",
        ("Westbrook", "Cedar Park"),
        "benefits-screening parents-group after-school newcomers-circle job-readiness cultural-programs case-management parenting-class youth-mentoring interpreting",
        languages=("so", "ar"),
    ),
    Org(
        "casa-esperanza",
        "Casa Esperanza Center",
        "A Latino community centre: immigration help, classes, family programs and small "
        "business support.",
        ("Union Flats",),
        "immigration esl parents-group banking-basics citizenship business-coaching case-management parenting-class walk-in-legal interpreting renters-rights family-finances-es",
        alternate_name="Centro Casa Esperanza",
        languages=("es",),
    ),
    Org(
        "common-ground",
        "Common Ground Financial Empowerment Center",
        "Free financial education and coaching for River City residents.",
        ("Riverside", "Maple Heights"),
        "credit-clinic tax-prep coaching renters-money budgeting matched-savings",
        program="Financial Empowerment",
        extra=(
            {
                "slug": "money-matters-evening",
                "template": "budgeting",
                "name": "Money Matters: evening budgeting workshop (English and Spanish)",
                "alternate_name": "Dinero en Orden: taller de presupuesto por la tarde",
                "description": "A six-week evening workshop, taught in English and Spanish "
                "in the same room: a budget that fits irregular hours, saving for a deposit, "
                "cutting bank fees and dealing with old debts. Free childcare and a hot supper "
                "every session.",
                "eligibility": "Anyone living in River City; no documents needed.",
                "fees": "Free. Childcare and supper provided.",
                "schedule": [("TU,TH", "18:00", "20:00")],
                "site": "Riverside",
                "languages": ("es",),
                "capacity": "capacity",
                "capacity_notes": "8 of 20 seats open in the series starting next month.",
                "domains": ("financial", "daily_living"),
                "apply": "Call or text to save a seat, or come to the first session.",
            },
        ),
    ),
    Org(
        "riverside-cu",
        "Riverside Neighbors Credit Union",
        "A community credit union offering fair banking and loans.",
        ("Riverside", "Linden Hill"),
        "banking-basics matched-savings microloans budgeting tax-prep",
        languages=("es",),
        extra=(
            {
                "slug": "credit-builder",
                "template": "credit-clinic",
                "name": "Credit builder loan",
                "description": "A $500 loan held in savings while you repay it monthly, so you "
                "build a credit history and end with savings.",
                "fees": "No fees; 3% interest.",
                "capacity": "capacity",
            },
        ),
    ),
    Org(
        "prairie-legal",
        "Prairie Legal Aid",
        "Free civil legal help for people with low incomes in River County.",
        ("Downtown", "Southmoor"),
        "eviction-defence record-sealing family-law benefits-appeals debt-law tenant-hotline walk-in-legal renters-rights",
        languages=("es",),
    ),
    Org(
        "immigrant-law",
        "River City Immigrant Law Project",
        "Immigration legal services and know-your-rights education.",
        ("Union Flats", "Cedar Park"),
        "immigration citizenship family-law walk-in-legal",
        languages=("es", "ar", "so"),
    ),
    Org(
        "workforce",
        "River City Workforce Center",
        "The public workforce office: job search, training funds and employer connections.",
        ("Downtown", "Fairview"),
        "job-readiness resume-help computer-skills forklift unemployment-help youth-jobs",
        program="River City Works",
    ),
    Org(
        "brightpath",
        "BrightPath Career Academy",
        "Short, free training for jobs in healthcare, logistics and customer service.",
        ("Maple Heights",),
        "healthcare-careers forklift computer-skills job-readiness",
    ),
    Org(
        "second-helping",
        "Second Helping Kitchen",
        "A culinary training kitchen and café that feeds neighbours and trains cooks.",
        ("Old Mill",),
        "community-meal job-readiness volunteer",
        extra=(
            {
                "slug": "culinary-training",
                "template": "job-readiness",
                "name": "Culinary job training",
                "description": "A 14-week paid training in a working kitchen: knife skills, "
                "food safety certificate and a placement with a local restaurant.",
                "eligibility": "Adults 18 and over facing barriers to work, including past "
                "convictions.",
                "schedule": [("MO,TU,WE,TH,FR", "07:30", "14:00")],
            },
        ),
    ),
    Org(
        "threadline",
        "Threadline Makers Cooperative",
        "A worker-owned sewing and craft co-operative that teaches and hires.",
        ("Union Flats",),
        "sewing-classes business-coaching makers-market open-studio",
        languages=("es",),
    ),
    Org(
        "main-street-hub",
        "Main Street Small Business Hub",
        "Coaching, loans and workspace for small and first-time businesses.",
        ("Downtown",),
        "business-coaching microloans coaching computer-skills",
        languages=("es", "vi"),
    ),
    Org(
        "rccc",
        "River City Community College",
        "The city's two-year college: certificates, degrees and adult education.",
        ("Downtown", "Westbrook"),
        "ged esl college-help campus-pantry digital-literacy",
        program="Adult Education and Career Pathways",
        extra=(
            {
                "slug": "medical-assistant-evening",
                "template": "healthcare-careers",
                "name": "Medical assistant certificate (evening)",
                "description": "A two-semester evening certificate: clinical skills, phlebotomy, "
                "medical office work and an externship. Starts each fall and spring.",
                "eligibility": "High school diploma or GED.",
                "fees": "$1,450 a semester; most students qualify for Pell grants and fee waivers.",
                "schedule": [("MO,WE", "18:00", "21:30")],
                "capacity": "capacity",
                "capacity_notes": "Fall cohort open for applications.",
                "domains": ("vocational_education",),
                "terms": ("education", "jobs"),
            },
            {
                "slug": "student-parent-childcare",
                "template": "childcare-centre",
                "name": "Evening childcare for student parents",
                "description": "Care for children of students while parents are in class, "
                "including evenings, with homework help for school-age children.",
                "eligibility": "Children 2 to 12 of enrolled students.",
                "fees": "Free for students receiving Pell grants; sliding scale otherwise.",
                "schedule": [("MO,TU,WE,TH", "17:00", "22:00")],
                "capacity": "capacity",
                "capacity_notes": "Evening spaces open for the fall.",
                "min_age": 2,
                "max_age": 12,
            },
        ),
    ),
    Org(
        "open-book",
        "Open Book Adult Literacy",
        "Volunteer tutors helping adults read, write and use computers.",
        ("Bellwood", "Riverside"),
        "literacy-tutoring digital-literacy ged esl volunteer",
    ),
    Org(
        "public-library",
        "River City Public Library",
        "Free books, computers and classes at branches across the city.",
        ("Downtown", "Maple Heights", "Southmoor"),
        "digital-literacy resume-help esl citizenship kids-art volunteer budgeting fitness",
        extra=(
            {
                "slug": "homework-help",
                "template": "after-school",
                "name": "Homework help for kids",
                "description": "Volunteer tutors help school-age children with homework, "
                "reading and maths, no sign-up needed.",
                "fees": "Free.",
                "schedule": [("MO,TU,WE,TH", "15:30", "18:00")],
                "capacity": "capacity",
            },
        ),
    ),
    Org(
        "little-oaks",
        "Little Oaks Early Learning",
        "Non-profit early learning centres with sliding-scale fees.",
        ("Cedar Park", "Linden Hill"),
        "childcare-centre preschool subsidy-help parenting-class home-visiting",
        languages=("so", "es"),
    ),
    Org(
        "old-mill-kids",
        "Old Mill Kids Club",
        "After-school and summer programs for children and teens.",
        ("Old Mill", "Southmoor"),
        "after-school summer-camp kids-art teen-counselling youth-mentoring fitness volunteer",
    ),
    Org(
        "cedar-park-family",
        "Cedar Park Family Resource Center",
        "A one-stop centre for families with young children.",
        ("Cedar Park",),
        "parents-group subsidy-help diaper-bank wic preschool benefits-screening case-management parenting-class home-visiting family-finances-es",
        languages=("so", "ar", "es"),
    ),
    Org(
        "confluence-health",
        "Confluence Community Health",
        "A community health centre for everyone, insured or not, at three sites.",
        ("Downtown", "Union Flats", "Harbor Point"),
        "primary-care dental womens-health vaccines prescriptions insurance-enrolment diabetes-group home-visiting hiv-testing case-management",
        languages=("es", "vi"),
        program="Community Health",
    ),
    Org(
        "lamplight-clinic",
        "Lamplight Free Clinic",
        "A volunteer-run free clinic for adults without insurance.",
        ("Fairview",),
        "evening-clinic vision prescriptions diabetes-group hiv-testing volunteer",
        languages=("ar",),
    ),
    Org(
        "wheels-of-health",
        "Wheels of Health",
        "Mobile medical and dental care that goes where people are.",
        ("Riverside",),
        "mobile-clinic vaccines insurance-enrolment hiv-testing",
    ),
    Org(
        "riverbend-behavioral",
        "Riverbend Behavioral Health",
        "Counselling, psychiatry and crisis services for all ages.",
        ("Maple Heights", "Southmoor"),
        "counselling walk-in-crisis crisis-line substance-counselling peer-support family-counselling art-groups case-management",
        languages=("es",),
    ),
    Org(
        "new-dawn",
        "New Dawn Recovery Alliance",
        "Peer-run recovery community: meetings, coaching and family support.",
        ("Riverside", "Bellwood", "Westbrook"),
        "recovery-meeting peer-support substance-counselling caregivers-circle case-management volunteer",
        extra=(
            {
                "slug": "tuesday-recovery",
                "template": "recovery-meeting",
                "name": "Tuesday night recovery meeting",
                "description": "A long-running open meeting with a strong women's group; coffee "
                "from 6:30. Newcomers and long-timers welcome.",
                "schedule": [("TU", "19:00", "20:30")],
                "site": "Riverside",
            },
        ),
    ),
    Org(
        "stillwater",
        "Stillwater Grief and Family Counseling",
        "Counselling for grief, loss and family change.",
        ("Linden Hill",),
        "grief-group family-counselling counselling teen-counselling caregivers-circle",
    ),
    Org(
        "benefits-network",
        "River County Benefits Access Network",
        "Navigators who help residents get the benefits they are entitled to.",
        ("Downtown", "Westbrook", "Linden Hill"),
        "benefits-screening snap-help insurance-enrolment disability-benefits phone-discount utility-help id-help budgeting",
        languages=("es", "so"),
    ),
    Org(
        "warm-homes",
        "Warm Homes River City",
        "Energy help for households: bills, weatherisation and winter warmth.",
        ("Southmoor",),
        "utility-help warming-centre",
        extra=(
            {
                "slug": "weatherisation",
                "template": "utility-help",
                "name": "Free home weatherisation",
                "description": "Insulation, draught-proofing and furnace checks for homes and "
                "rentals, to cut heating bills.",
                "capacity": "waitlist",
                "capacity_notes": "Booking visits for next season.",
            },
        ),
    ),
    Org(
        "transit-access",
        "River City Transit Access Program",
        "Helps residents use the city's buses and paratransit.",
        ("Downtown",),
        "bus-pass travel-training",
        extra=(
            {
                "slug": "paratransit",
                "template": "medical-rides",
                "name": "Paratransit door-to-door rides",
                "description": "Shared door-to-door rides for people who cannot use the bus "
                "because of a disability.",
                "fees": "$3 a trip.",
                "schedule": [("MO,TU,WE,TH,FR,SA,SU", "05:30", "00:30")],
            },
        ),
    ),
    Org(
        "neighbor-rides",
        "Neighbor Rides",
        "Volunteer drivers helping neighbours without a car.",
        ("Maple Heights",),
        "medical-rides grocery-shuttle volunteer",
    ),
    Org(
        "spoke-wrench",
        "Spoke and Wrench Community Garage",
        "Bikes, repairs and car help for people getting to work and school.",
        ("Harbor Point",),
        "bike-library car-repair volunteer",
    ),
    Org(
        "fairview-seniors",
        "Fairview Senior Center",
        "Meals, activities and support for older adults.",
        ("Fairview",),
        "seniors-lunch medical-rides caregivers-circle benefits-screening grocery-shuttle digital-literacy case-management volunteer community-garden fitness",
        languages=("ar",),
    ),
    Org(
        "canvas-kiln",
        "Canvas and Kiln Community Arts",
        "A community arts centre with open studios, classes and exhibitions.",
        ("Riverside",),
        "open-studio art-groups kids-art makers-market volunteer",
    ),
    Org(
        "hand-up",
        "Hand Up Furniture Bank",
        "Furniture, household kits and clothing for people setting up a home.",
        ("Union Flats",),
        "furniture-bank clothing-closet volunteer",
    ),
    Org(
        "veterans-outreach",
        "River City Veterans Outreach",
        "Peer support and practical help for veterans and their families.",
        ("Linden Hill",),
        "peer-support housing-search benefits-screening job-readiness case-management id-help",
        extra=(
            {
                "slug": "veterans-coffee",
                "template": "peer-support",
                "name": "Veterans' coffee group",
                "description": "Veterans meet for coffee and conversation every Thursday "
                "morning; a benefits officer drops in monthly.",
                "eligibility": "Veterans and their families.",
                "schedule": [("TH", "09:00", "11:00")],
            },
        ),
    ),
]


# --- schedules ---------------------------------------------------------------------------------

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


def _season(
    today: dt.date, start: tuple[int, int], end: tuple[int, int]
) -> tuple[dt.date, dt.date]:
    """The current or next season from (month, day) `start` to `end` (which may be next year)."""
    year = today.year
    first = dt.date(year, *start)
    last = dt.date(year + (1 if end < start else 0), *end)
    if today > last:  # this year's season is over: the next one
        first = dt.date(year + 1, *start)
        last = dt.date(year + 1 + (1 if end < start else 0), *end)
    elif end < start and today < first and today <= dt.date(year, *end):
        # A season across new year (winter) that started last year and is still running.
        first, last = dt.date(year - 1, *start), dt.date(year, *end)
    return first, last


# (byday, opens, closes, valid_from, valid_to, description)
Rule = tuple[str, str, str, dt.date | None, dt.date | None, str]


def _schedule(kind: str, rng: random.Random, today: dt.date) -> list[Rule]:
    """Weekly rules for a kind of service; random within what is realistic for that kind."""

    def days(n: int, pool: list[str] = WEEKDAYS) -> str:
        picked = rng.sample(pool, n)
        return ",".join(d for d in pool if d in picked)  # keep week order

    if kind == "office":
        close = rng.choice(["16:30", "17:00", "17:00"])
        return [
            (",".join(WEEKDAYS), rng.choice(["08:30", "09:00", "09:00"]), close, None, None, "")
        ]
    if kind == "office_late":
        return [
            ("MO,TU,WE,TH", "09:00", rng.choice(["19:00", "20:00"]), None, None, ""),
            ("FR", "09:00", "17:00", None, None, ""),
        ]
    if kind == "clinic":
        return [
            (",".join(WEEKDAYS), "08:00", "18:00", None, None, ""),
            ("SA", "09:00", "13:00", None, None, ""),
        ]
    if kind == "evening_clinic":
        return [(rng.choice(["TU,TH", "MO,WE"]), "17:30", "21:00", None, None, "")]
    if kind == "evening_class":
        term_start = today - dt.timedelta(days=rng.randint(0, 40))
        term_end = term_start + dt.timedelta(weeks=rng.choice([6, 8, 10, 12]))
        return [
            (
                days(2, ["MO", "TU", "WE", "TH"]),
                "18:00",
                rng.choice(["20:00", "20:30"]),
                term_start,
                term_end,
                "",
            )
        ]
    if kind == "day_class":
        opens = rng.choice(["09:30", "10:00", "13:00"])
        closes = {"09:30": "12:00", "10:00": "12:30", "13:00": "15:30"}[opens]
        return [(days(2), opens, closes, None, None, "")]
    if kind == "weekly_evening":
        opens = rng.choice(["18:00", "18:30", "19:00"])
        closes = {"18:00": "19:30", "18:30": "20:00", "19:00": "20:30"}[opens]
        return [(days(1), opens, closes, None, None, "")]
    if kind == "weekly_day":
        opens = rng.choice(["10:00", "13:00", "14:00"])
        closes = {"10:00": "11:30", "13:00": "15:00", "14:00": "16:00"}[opens]
        return [(days(1), opens, closes, None, None, "")]
    if kind == "weekend":
        return [
            (rng.choice(["SA", "SA,SU"]), "10:00", rng.choice(["13:00", "14:00"]), None, None, "")
        ]
    if kind == "sunday":
        return [
            ("SU", "10:00", "13:00", None, None, ""),
            (days(1), "18:30", "20:00", None, None, "Small groups"),
        ]
    if kind == "pantry":
        # A daytime distribution, an evening one for people who work, sometimes a Saturday.
        rules: list[Rule] = [
            (days(1), "10:00", "13:00", None, None, ""),
            (days(1), "16:00", "19:00", None, None, "Evening distribution"),
        ]
        if rng.random() < 0.4:
            rules.append(("SA", "09:00", "12:00", None, None, ""))
        return rules
    if kind == "meal":
        if rng.random() < 0.5:
            return [(EVERY_DAY, "11:30", "13:00", None, None, "Lunch")]
        return [(",".join(WEEKDAYS), "17:00", "18:30", None, None, "Supper")]
    if kind == "overnight":
        # Runs past midnight: 19:00 to 07:00 the next morning.
        return [(EVERY_DAY, "19:00", "07:00", None, None, "Doors open at 7 pm")]
    if kind == "24_7":
        return [(EVERY_DAY, "00:00", "00:00", None, None, "Open 24 hours")]
    if kind == "winter":
        first, last = _season(today, (11, 1), (3, 31))
        return [(EVERY_DAY, "18:00", "08:00", first, last, "Winter season only")]
    if kind == "summer":
        first, last = _season(today, (6, 9), (8, 15))
        return [(",".join(WEEKDAYS), "08:00", "17:30", first, last, "Summer only")]
    if kind == "market":
        first, last = _season(today, (4, 5), (10, 25))
        return [("SA", "08:00", "13:00", first, last, "April to October")]
    if kind == "tax_season":
        first, last = _season(today, (1, 25), (4, 15))
        return [
            ("TU,TH", "17:00", "20:00", first, last, "Tax season"),
            ("SA", "09:00", "14:00", first, last, "Tax season, walk-ins"),
        ]
    if kind == "monthly_sat":
        # Shown as a weekly Saturday slot; the note says which Saturdays.
        return [("SA", "09:00", "13:00", None, None, "First and third Saturdays")]
    if kind == "after_school":
        return [(",".join(WEEKDAYS), "15:00", "18:00", None, None, "")]
    if kind == "childcare":
        return [(",".join(WEEKDAYS), "06:30", "18:00", None, None, "")]
    if kind == "preschool":
        return [(",".join(WEEKDAYS), "08:30", "12:00", None, None, "")]
    if kind == "drop_in":
        return [
            (rng.choice(["MO,TU,WE,TH,FR", "MO,TU,WE,TH,FR,SA"]), "10:00", "16:00", None, None, "")
        ]
    if kind == "mobile":
        return [
            ("MO,WE", "09:00", "13:00", None, None, "At Harbor Light Shelter"),
            ("TU,TH", "13:00", "17:00", None, None, "At pantry sites (see the route)"),
        ]
    raise ValueError(f"unknown schedule kind {kind!r}")


# --- capacity ----------------------------------------------------------------------------------

CAPACITY_NOTES = {
    Service.Capacity.CAPACITY: [
        "Taking new people now.",
        "Same-week appointments available.",
        "Open to walk-ins.",
        "Seats open in the next series.",
    ],
    Service.Capacity.WAITLIST: [
        "Waitlist about {n} weeks; call to add your name.",
        "Waitlist about {n} weeks; families with children go first.",
    ],
    Service.Capacity.NO_CAPACITY: [
        "Full for now; call back on the first of the month.",
        "No openings right now; we can suggest similar programs nearby.",
    ],
    Service.Capacity.ASSESSMENT: [
        "Short phone screening first.",
        "Intake assessment at the first visit (about 45 minutes).",
        "Referral from a case worker needed.",
    ],
}
CAPACITY_WEIGHTS = [
    (Service.Capacity.CAPACITY, 50),
    (Service.Capacity.WAITLIST, 22),
    (Service.Capacity.NO_CAPACITY, 10),
    (Service.Capacity.ASSESSMENT, 18),
]


def _capacity(rng: random.Random) -> tuple[str, str]:
    value = rng.choices([c for c, _ in CAPACITY_WEIGHTS], [w for _, w in CAPACITY_WEIGHTS])[0]
    note = rng.choice(CAPACITY_NOTES[value]).format(n=rng.randint(2, 8))
    return str(value), note


# --- the loader ---------------------------------------------------------------------------------


class _Rows:
    """Rows collected in memory, then written with one bulk_create per model."""

    def __init__(self) -> None:
        self.by_model: dict[type, list[Any]] = {}

    def add(self, obj: Any) -> Any:
        self.by_model.setdefault(type(obj), []).append(obj)
        return obj

    def count(self, model: type) -> int:
        return len(self.by_model.get(model, []))

    def save(self, order: list[type[Model]]) -> None:
        for model in order:
            model._default_manager.bulk_create(self.by_model.get(model, []), batch_size=500)


def _phone(n: int) -> str:
    """A fictional number: (618) 555-0100 … 555-0199 (reserved for fiction)."""
    return f"(618) 555-01{n % 100:02d}"


@transaction.atomic
def load(*, seed: int = SEED, **options: Any) -> dict[str, Any]:
    """Create the demo directory (once) and place the demo clients on the map.

    Takes the demo command's options (e.g. clients=…) and ignores what it does not use.
    Returns counts of what exists afterwards, plus whether this call created the directory.
    """
    created = False
    if not Taxonomy.objects.filter(name=TAXONOMY_NAME).exists():
        _create_directory(random.Random(seed), dt.date.today())
        created = True
    homes = _place_clients()
    return {
        "created": created,
        "organizations": Organization.objects.count(),
        "services": Service.objects.count(),
        "locations": Location.objects.count(),
        "schedules": Schedule.objects.count(),
        "taxonomy_terms": TaxonomyTerm.objects.filter(taxonomy__name=TAXONOMY_NAME).count(),
        "client_homes_placed": homes,
    }


def _create_directory(rng: random.Random, today: dt.date) -> None:
    from strengthwise.audit.services import audit_record

    rows = _Rows()
    taxonomy = rows.add(
        Taxonomy(
            id=_uid("taxonomy"),
            name=TAXONOMY_NAME,
            description="Local service categories used by River City's agencies to browse the "
            "directory.",
            uri="https://directory.rivercity.example.org/taxonomy",
            version="2026.1",
        )
    )
    terms = {
        key: rows.add(
            TaxonomyTerm(
                id=_uid("term", key),
                code=f"RC-{key.upper()}",
                name=name,
                description=description,
                taxonomy=taxonomy,
                taxonomy_name=TAXONOMY_NAME,
                language="en",
            )
        )
        for key, (name, description) in TERMS.items()
    }

    phone_number = 0  # location phones cycle through 555-0140…0199
    for index, org in enumerate(ORGS):
        organization = rows.add(
            Organization(
                id=_uid("org", org.key),
                name=org.name,
                alternate_name=org.alternate_name,
                description=org.description,
                email=f"info@{org.key}.example.org",
                website=f"https://{org.key}.example.org/",
            )
        )
        main_number = _phone(1 + index)  # 555-0101 … one per organisation
        rows.add(
            Phone(
                id=_uid("phone", org.key),
                organization=organization,
                number=main_number,
                type="voice",
                description="Main line",
            )
        )
        program = None
        if org.program:
            program = rows.add(
                Program(
                    id=_uid("program", org.key),
                    organization=organization,
                    name=org.program,
                    description=f"{org.program} at {org.name}.",
                )
            )

        # Locations: one per neighbourhood the organisation works in.
        sites: dict[str, Location] = {}
        for site in org.sites:
            hood = NEIGHBOURHOODS[site]
            north = hood.north_km + rng.uniform(-0.7, 0.7)
            east = hood.east_km + rng.uniform(-0.7, 0.7)
            lat, lon = _offset(north, east)
            main = site == org.sites[0]
            location = rows.add(
                Location(
                    id=_uid("location", org.key, site),
                    organization=organization,
                    name=f"{org.name} — {site}" if len(org.sites) > 1 else org.name,
                    description="Main office" if main else f"{site} site",
                    transportation=f"Bus {rng.randint(2, 48)} stops within "
                    f"{rng.choice(['one block', 'two blocks', 'a short walk'])}; "
                    f"{rng.choice(['step-free entrance', 'ramp at the side door', 'lift to all floors'])}.",
                    latitude=lat,
                    longitude=lon,
                )
            )
            sites[site] = location
            rows.add(
                Address(
                    id=_uid("address", org.key, site),
                    location=location,
                    address_1=f"{rng.randint(10, 2900)} {rng.choice(hood.streets)}",
                    city=CITY,
                    region="River County",
                    state_province=STATE,
                    postal_code=hood.postal_code,
                    country="US",
                )
            )
            rows.add(
                Phone(
                    id=_uid("phone", org.key, site),
                    location=location,
                    number=_phone(40 + phone_number % 60),
                    type="voice",
                    description=f"{site} front desk",
                )
            )
            phone_number += 1
            # No building-hours schedule on the location: the search merges location hours
            # into each service's, so a Tuesday-evening group would look open all week.

        # Services: the templates the organisation offers, then its hand-written ones.
        specs: list[tuple[str, Tpl, dict[str, Any], str | None]] = []
        for slug in org.offers.split():
            tpl = TPL[slug]
            if tpl.per_site:
                specs.extend((f"{slug}:{site}", tpl, {}, site) for site in org.sites)
            else:
                specs.append((slug, tpl, {}, None))
        for extra in org.extra:
            specs.append((extra["slug"], TPL[extra["template"]], extra, extra.get("site")))

        for extension, (service_slug, tpl, extra, service_site) in enumerate(specs, start=1):
            _add_service(
                rows,
                rng,
                today,
                org=org,
                organization=organization,
                program=program,
                sites=sites,
                terms=terms,
                slug=service_slug,
                tpl=tpl,
                extra=extra,
                site=service_site,
                main_number=main_number,
                extension=100 + extension,
            )

    rows.save(
        [
            Taxonomy,
            TaxonomyTerm,
            Organization,
            Program,
            Location,
            Address,
            Service,
            ServiceAtLocation,
            Phone,
            Schedule,
            Language,
            ServiceArea,
            ServiceDomain,
            Attribute,
        ]
    )
    services.reindex()
    audit_record(
        actor=None,
        actor_label="demo",
        action="directory.demo_loaded",
        changes={
            "organizations": [None, rows.count(Organization)],
            "services": [None, rows.count(Service)],
        },
    )


def _add_service(
    rows: _Rows,
    rng: random.Random,
    today: dt.date,
    *,
    org: Org,
    organization: Organization,
    program: Program | None,
    sites: dict[str, Location],
    terms: dict[str, TaxonomyTerm],
    slug: str,
    tpl: Tpl,
    extra: dict[str, Any],
    site: str | None,
    main_number: str,
    extension: int,
) -> None:
    site_name = site or org.sites[0]
    fill = {"org": org.name, "site": site_name}
    name = extra.get("name") or tpl.name.format(**fill)
    if tpl.per_site and len(org.sites) == 1:
        name = tpl.name.split(" — ")[0]  # "Food pantry", not "Food pantry — Old Mill"
    if "capacity" in extra or tpl.capacity:
        capacity = extra.get("capacity") or tpl.capacity
        notes = extra.get("capacity_notes") or tpl.capacity_notes
        if not notes:
            notes = rng.choice(CAPACITY_NOTES[Service.Capacity(capacity)]).format(n=3)
    else:
        capacity, notes = _capacity(rng)
    # A few services are closed for a while (never the hand-written ones the personas use).
    closed = not extra and rng.random() < 0.04
    service = rows.add(
        Service(
            id=_uid("service", org.key, slug),
            organization=organization,
            program=program,
            name=name,
            alternate_name=extra.get("alternate_name", ""),
            description=extra.get("description") or tpl.description.format(**fill),
            url=f"https://{org.key}.example.org/{slugify(slug.replace(':', '-'))}",
            email=f"{slug.split(':')[0]}@{org.key}.example.org",
            status=Service.Status.TEMPORARILY_CLOSED if closed else Service.Status.ACTIVE,
            alert=rng.choice(
                [
                    "Closed for building repairs; reopening next month.",
                    "Paused while we hire new staff; call for the reopening date.",
                ]
            )
            if closed
            else "",
            interpretation_services="Phone interpreters for any other language, free of charge.",
            application_process=extra.get("apply") or tpl.apply,
            fees_description=extra.get("fees") or tpl.fees,
            eligibility_description=extra.get("eligibility") or tpl.eligibility.format(**fill),
            minimum_age=extra.get("min_age", tpl.min_age),
            maximum_age=extra.get("max_age", tpl.max_age),
            wait_time=notes if capacity == Service.Capacity.WAITLIST else "",
            capacity=capacity,
            capacity_notes=notes,
        )
    )

    # Where: its own site, or every site of the organisation for a city-wide office service.
    if site is not None:
        where = [sites[site]]
    elif len(sites) > 1 and rng.random() < 0.35:
        where = list(sites.values())
    else:
        where = [sites[org.sites[0]]]
    for location in where:
        rows.add(
            ServiceAtLocation(
                id=_uid("sal", org.key, slug, location.id), service=service, location=location
            )
        )

    rows.add(
        Phone(
            id=_uid("phone", "service", org.key, slug),
            service=service,
            number="(618) 555-0100" if "crisis" in tpl.terms else main_number,
            extension=None if "crisis" in tpl.terms else extension,
            type="voice",
        )
    )
    if "crisis" in tpl.terms:
        rows.add(
            Phone(
                id=_uid("phone", "text", org.key, slug),
                service=service,
                number="(618) 555-0199",
                type="text",
                description="Text line",
            )
        )

    schedule = extra.get("schedule")
    rules: list[Rule] = (
        [(days, opens, closes, None, None, "") for days, opens, closes in schedule]
        if schedule
        else _schedule(tpl.schedule, rng, today)
    )
    for n, (byday, opens, closes, valid_from, valid_to, description) in enumerate(rules):
        rows.add(
            Schedule(
                id=_uid("schedule", org.key, slug, n),
                service=service,
                byday=byday,
                opens_at=dt.time.fromisoformat(opens),
                closes_at=dt.time.fromisoformat(closes),
                valid_from=valid_from,
                valid_to=valid_to,
                freq="WEEKLY",
                description=description,
            )
        )

    # Languages: English (unless the template says otherwise), the organisation's, the
    # template's, and sometimes one spoken in the neighbourhood.
    codes: list[str] = ["en"] if tpl.english else []
    for code in (*org.languages, *tpl.languages, *extra.get("languages", ())):
        if code not in codes:
            codes.append(code)
    local = NEIGHBOURHOODS[site_name].languages
    if rng.random() < 0.35 and local[0] not in codes:
        codes.append(local[0])
    if rng.random() < 0.03:
        codes.append("ase")
    for code in codes:
        rows.add(
            Language(
                id=_uid("language", org.key, slug, code),
                service=service,
                name=LANGUAGES[code],
                code=code,
                note="Staff speak it" if code != "en" else "",
            )
        )

    area = site_name if tpl.per_site else CITY
    rows.add(
        ServiceArea(
            id=_uid("area", org.key, slug),
            service=service,
            name=area,
            description=f"Serves residents of {area}."
            if tpl.per_site
            else "Serves all of River City.",
        )
    )
    for domain in extra.get("domains") or tpl.domains:
        rows.add(ServiceDomain(service=service, domain=domain))
    for key in extra.get("terms") or tpl.terms:
        rows.add(
            Attribute(
                id=_uid("attribute", org.key, slug, key),
                taxonomy_term=terms[key],
                link_id=service.id,
                link_entity="service",
            )
        )


# --- client homes ----------------------------------------------------------------------------

# Where the personas live (PERSONAS.md): Dana in a Riverside motel, Rosa on Alder Street.
PERSONA_HOMES = {
    ("Dana", "Whitfield"): _offset(-2.1, 1.2),
    ("Rosa", "Hernández"): _offset(-4.4, -3.0),
}


def _place_clients() -> int:
    """Give River City clients with an address (and no confidential one) home coordinates in
    a neighbourhood, where they have none. Returns how many were placed."""
    from strengthwise.people.models import Client

    clients = list(
        Client.objects.filter(
            agency__slug="river-city",
            home_latitude__isnull=True,
            address_confidential=False,
        )
        .exclude(address_line1="")
        .order_by("pk")
    )
    hoods = list(NEIGHBOURHOODS.values())
    for client in clients:
        home = PERSONA_HOMES.get((client.legal_first_name, client.legal_last_name))
        if home is None:
            # Seeded by the person, not the row order, so re-runs place people the same way.
            key = f"{client.legal_first_name}|{client.legal_last_name}|{client.date_of_birth}"
            person = random.Random(key)
            hood = person.choice(hoods)
            home = _offset(
                hood.north_km + person.uniform(-1.2, 1.2), hood.east_km + person.uniform(-1.2, 1.2)
            )
        client.home_latitude, client.home_longitude = home
    Client.objects.bulk_update(clients, ["home_latitude", "home_longitude"], batch_size=500)
    return len(clients)
