"""LOINC codes of the AHC HRSN screening's core items and answers (our template version 1,
`assessments/data/hrsn-v1.yaml`), for the screening-response Observations of the FHIR export.

Facts from LOINC panel 96777-8 (AHC HRSN screening tool) as CMS's item list and the SDOH
Clinical Care implementation guide publish them: each question's LOINC code and each answer's
LOINC answer code (LA…). Keyed by our item and option keys; a new template version adds its own
table (a test fails when a shipped item or option has no code).
"""

from __future__ import annotations

PANEL = "96777-8"
SAFETY_TOTAL = "95614-4"

# Our item key -> the question's LOINC code.
ITEMS: dict[int, dict[str, str]] = {
    1: {
        "living_situation": "71802-3",
        "housing_problems": "96778-6",
        "food_worry": "88122-7",
        "food_ran_out": "88123-5",
        "transportation": "93030-5",
        "utilities": "96779-4",
        "safety_hurt": "95618-5",
        "safety_insult": "95617-7",
        "safety_threaten": "95616-9",
        "safety_scream": "95615-1",
    }
}

_OFTEN = {"often": "LA28397-0", "sometimes": "LA6729-3", "never": "LA28398-8"}
_YES_NO = {"yes": "LA33-6", "no": "LA32-8"}
_HOW_OFTEN = {
    "never": "LA6270-8",
    "rarely": "LA10066-1",
    "sometimes": "LA10082-8",
    "fairly_often": "LA16644-9",
    "frequently": "LA6482-9",
}

# (item key, option key) -> the answer's LOINC code.
ANSWERS: dict[int, dict[str, dict[str, str]]] = {
    1: {
        "living_situation": {
            "steady": "LA31993-1",
            "worried": "LA31994-9",
            "not_steady": "LA31995-6",
        },
        "housing_problems": {
            "pests": "LA31996-4",
            "mold": "LA28580-1",
            "lead": "LA31997-2",
            "heat": "LA31998-0",
            "stove": "LA31999-8",
            "smoke_detectors": "LA32000-4",
            "water_leaks": "LA32001-2",
            "none": "LA9-3",
        },
        "food_worry": _OFTEN,
        "food_ran_out": _OFTEN,
        "transportation": _YES_NO,
        "utilities": {**_YES_NO, "already_shut_off": "LA32002-0"},
        "safety_hurt": _HOW_OFTEN,
        "safety_insult": _HOW_OFTEN,
        "safety_threaten": _HOW_OFTEN,
        "safety_scream": _HOW_OFTEN,
    }
}

# Our screening domain -> the SDOH Clinical Care category of its Observations.
DOMAIN_CATEGORY = {
    "living_situation": ("housing-instability", "Housing Instability"),
    "food": ("food-insecurity", "Food Insecurity"),
    "transportation": ("transportation-insecurity", "Transportation Insecurity"),
    "utilities": ("utility-insecurity", "Utility Insecurity"),
    "safety": ("intimate-partner-violence", "Intimate Partner Violence"),
}
# Where an item's category is narrower than its domain's.
ITEM_CATEGORY = {"housing_problems": ("inadequate-housing", "Inadequate Housing")}
