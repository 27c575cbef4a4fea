"""Words for `strengthwise seed`: goals, GAS levels, steps, note sections and assessment
cells per life domain (the strengths-assessment keys). Fictional, strengths-based, plain."""

from __future__ import annotations

# domain -> [(goal statement in the client's words, why it matters)]
GOALS: dict[str, list[tuple[str, str]]] = {
    "daily_living": [
        ("Move into an apartment my kids and I can stay in", "A door that locks and a quiet room."),
        ("Keep my apartment for the whole year", "No more moving in the middle of school."),
        ("Get the heating fixed and the lease in my name", "So I stop worrying every winter."),
        ("Find a place closer to my work", "Two buses each way takes my evenings."),
    ],
    "financial": [
        ("Pay rent on time without skipping bills", "I want to stop choosing between bills."),
        ("Save five hundred dollars for emergencies", "One broken thing should not undo me."),
        ("Get my benefits sorted out", "It is money I am owed and need."),
        ("Clear the old utility debt", "So I can put the lights in my name."),
    ],
    "vocational_education": [
        ("Finish my GED this year", "My daughter asks me about school."),
        ("Get a full-time job with benefits", "Steady hours so I can plan."),
        ("Start the medical assistant course", "I am good with scared people."),
        ("Get my forklift licence", "The warehouse pays more with it."),
    ],
    "social_supports": [
        ("Spend more time with my sister", "She is the one who gets me."),
        ("Find a parents' group nearby", "I want people who understand."),
        ("Rebuild things with my son", "He is why I keep going."),
    ],
    "health": [
        ("Sleep through the night again", "Everything is harder when I am tired."),
        ("Stay sober and keep going to meetings", "It is the best thing I ever did."),
        ("Find a doctor I trust", "I have put off my check-ups too long."),
        ("Walk every morning with the dog", "It clears my head."),
    ],
    "leisure": [
        ("Get back to painting", "It is the one thing that is just mine."),
        ("Join the community garden", "I grew up with a garden."),
        ("Take the kids to the library on Saturdays", "Free, warm and they love it."),
    ],
    "spirituality_culture": [
        ("Go back to my church", "People there knew me before all this."),
        ("Teach my kids our language", "So they can talk to their grandmother."),
        ("Cook for the festival again", "It is how we remember home."),
    ],
}

# domain -> the five GAS levels (-2 … +2)
GAS: dict[str, tuple[str, str, str, str, str]] = {
    "daily_living": (
        "Still without a place of our own",
        "Applications in, no place yet",
        "In a place with a lease within six months",
        "In a place with a lease within three months",
        "In a place near school and work within three months",
    ),
    "financial": (
        "Behind on rent and bills",
        "Paying rent, some bills late",
        "All bills paid on time for three months",
        "Bills on time and some savings",
        "Bills on time and an emergency fund",
    ),
    "vocational_education": (
        "Not enrolled and not looking",
        "Looking at courses or jobs",
        "Enrolled or working part-time",
        "Enrolled and passing, or working full-time",
        "Finished the course or promoted",
    ),
    "social_supports": (
        "No regular contact with the people who help",
        "Contact now and then",
        "Weekly contact with at least one support",
        "Weekly contact with several supports",
        "A circle of support they can call on any day",
    ),
    "health": (
        "Health getting in the way most days",
        "Some good weeks",
        "Mostly good weeks, appointments kept",
        "Good weeks and a routine that holds",
        "Feeling well and helping others with it",
    ),
    "leisure": (
        "No time for anything they enjoy",
        "Once a month",
        "Every other week",
        "Every week",
        "Every week, and sharing it with others",
    ),
    "spirituality_culture": (
        "Cut off from community",
        "Went once",
        "Goes most months",
        "Goes most weeks",
        "Takes part in organising",
    ),
}

# (text, who) — the client first: small steps the client names
STEPS: dict[str, list[tuple[str, str]]] = {
    "daily_living": [
        ("Gather my last three pay stubs", "client"),
        ("Call two landlords who take vouchers", "worker"),
        ("Drive to the viewings", "support"),
        ("Apply to rapid re-housing", "agency"),
    ],
    "financial": [
        ("Write down every bill and its date", "client"),
        ("Book the budgeting class", "worker"),
        ("Call the utility about a payment plan", "client"),
        ("Check benefits eligibility", "agency"),
    ],
    "vocational_education": [
        ("Pick up the enrolment form", "client"),
        ("Find childcare for class nights", "support"),
        ("Ask about the fee waiver", "worker"),
        ("Sit the practice test", "client"),
    ],
    "social_supports": [
        ("Call my sister on Sundays", "client"),
        ("Visit the parents' group once", "client"),
        ("Share the group's times", "worker"),
    ],
    "health": [
        ("Book a check-up", "client"),
        ("Find a clinic with evening hours", "worker"),
        ("Go to the Tuesday meeting", "client"),
        ("Ride with my neighbour to the clinic", "support"),
    ],
    "leisure": [
        ("Buy paint at the thrift store", "client"),
        ("Sign up for a garden plot", "client"),
        ("Find free events this month", "worker"),
    ],
    "spirituality_culture": [
        ("Go to one service", "client"),
        ("Ask grandmother for the recipes", "support"),
        ("Find the cultural centre's classes", "worker"),
    ],
}

INTERVENTIONS = [
    "Went through the application together and listed what is still needed.",
    "Called the landlord with {name} on speaker and set up a viewing.",
    "Reviewed the budget line by line; {name} led the conversation.",
    "Practised the interview questions; role-played the hard one twice.",
    "Walked to the clinic together and found the evening entrance.",
    "Looked at the strengths assessment again and picked the next priority.",
    "Filled in the benefits form together; copied the pay stubs.",
    "Met at the library and searched for courses with evening hours.",
    "Called the food pantry about Saturday hours.",
    "Checked in about the week and what went well.",
    "Helped set up reminders on the phone for appointments.",
    "Went over the referral and what the organisation will ask.",
]
RESPONSES = [
    '{name} brought every paper, organised as always. "I did the hard part already."',
    "{name} talked about the kids' school and how proud she is of their reading.",
    '"I can breathe for the first time in months," {name} said.',
    "{name} asked good questions and wrote down the answers.",
    "{name} was tired after a double shift but wanted to keep going.",
    '{name} said the class was hard but "I am not quitting this time."',
    "{name} has kept every appointment this month.",
    "{name} laughed about the bus breaking down and found another way.",
    "{name} described the apartment viewing and liked the light in the kitchen.",
    '"My sister will drive me," {name} said, already making the plan.',
    "{name} felt the meeting with the landlord went well.",
    "{name} shared a painting from the weekend market.",
]
PLANS = [
    "{name} gathers the last two pay stubs by Friday; I call the landlord.",
    "Meet again next week at the office.",
    "{name} visits the parents' group on Thursday; I send the address.",
    "I follow up on the referral on Monday.",
    "{name} books the check-up; we review the budget at the next visit.",
    "Phone check-in in two weeks.",
    "{name} brings the enrolment form; I ask about the fee waiver.",
    "Home visit next month to see the new place.",
]
PRESENT_EXTRA = ["", "", "", "her sister", "his mother", "the children", "a friend", "interpreter"]

ASPIRATIONS = [
    "A place that is ours.",
    "Work that pays the bills and leaves time for the kids.",
    "Feel well and sleep well.",
    "People around me I can count on.",
    "Time to make things with my hands.",
    "Keep our traditions alive.",
    "Not worry about money every day.",
]
CURRENT = [
    "Staying with family for now.",
    "Part-time work, hours change every week.",
    "Some good weeks and some hard ones.",
    "Regular contact with a sister and a neighbour.",
    "Paints on weekends when there is time.",
    "Goes to services when the bus runs.",
]
RESOURCES = [
    "Organised: keeps every letter in one folder.",
    "Knows the bus routes by heart.",
    "A sister who drives to appointments.",
    "Finished a GED while working.",
    "Calm with people who are upset.",
    "Has kept the same job for three years.",
    "A church community that checks in.",
]

CLOSURE_HELPED = [
    "Having someone on my side when I called the landlord.",
    "You listened and let me decide.",
    "The budgeting class and the rent help.",
    "Knowing I could call when things went wrong.",
]
REOPEN_REASONS = [
    "The rent went up and I need help again.",
    "I lost my job and want to make a new plan.",
    "Things were good for a while; now I need some help with the kids' school.",
]
TASKS = [
    "Call about the housing application",
    "Send the budgeting class dates",
    "Check the referral went through",
    "Bring the furniture voucher",
    "Ask about the fee waiver",
    "Book the review meeting",
]
REFERRAL_NOTES = [
    "Help with the next step of the goal.",
    "The client asked for this service by name.",
    "Evening hours needed: works days.",
    "Interpreter needed for the first visit.",
]
