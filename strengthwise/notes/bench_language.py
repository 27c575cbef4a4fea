"""Benchmark for the language helper: ``python -m strengthwise.notes.bench_language``.

Builds a realistic contact note (ordinary casework prose with some flagged terms and some
quotations of the client's own words) and times `language.flag` on it. No assertions: the
target is well under 50 ms for a 2,000-word note, reported rather than enforced.
"""

from __future__ import annotations

import random
import statistics
import time

from strengthwise.core import language

_PROSE = (
    "Met with the client at the drop-in centre on Tuesday morning as arranged.",
    "We reviewed the goals she set last month and the steps she has already taken.",
    "She described her week, including two shifts at the community garden.",
    "Her daughter is now attending school four days a week and enjoys the art club.",
    "We talked through the housing application and the documents still outstanding.",
    "The landlord has agreed to a payment plan for the arrears, starting next month.",
    "She named her sister and her neighbour as people she can rely on.",
    "We agreed that I will call the benefits office with her on Thursday.",
    "He brought his own list of questions, which shaped most of the session.",
    "The client chose to focus on getting his driving licence back this quarter.",
    "He has kept every appointment at the clinic since the start of the plan.",
    "We looked at the bus timetable together and planned the route to the interview.",
    "She wants to build her confidence with computers and asked about the library course.",
    "The family support worker joined for the last twenty minutes of the visit.",
    "I explained the consent form and she decided to share information with the GP only.",
    "We updated the ecomap: the church group is now a strong, two-way connection.",
    "He spoke warmly about his grandchildren and the weekend he spent with them.",
    "Next steps are written in the plan in her own words and she has a copy.",
    "The food bank referral was completed and collection is booked for Friday.",
    "She is proud of the savings she has put aside for a deposit.",
    "We discussed what went well with the budget and what she would change.",
    "He asked for information about volunteering at the animal shelter.",
    "The room was tidy and the heating had been repaired since my last visit.",
    "We agreed to meet again in two weeks at the same time and place.",
)
_FLAGGED = (
    "He refused the referral to the employment programme.",
    "She was resistant to discussing the tenancy warning.",
    "Staff at the hostel describe him as non-compliant with the curfew.",
    "The previous worker recorded her as attention seeking.",
    "He relapsed last month after the loss of his brother.",
    "Her urine screen came back dirty on Monday.",
    "He is described in the old file as a frequent flyer at the emergency department.",
    "The school said her son was acting out in class.",
    "She has been suffering from low mood since the winter.",
    "The hospital letter calls him a former addict.",
    "The GP notes say she is unmotivated and unrealistic about work.",
    "The referral form describes him as manipulative and dangerous.",
    "Her mother may be enabling the drinking by buying alcohol for him.",
    "The shelter staff called him one of the homeless in their report.",
    "He is confined to a wheelchair after the accident.",
    "The treatment team discussed relapse prevention with him.",
)
_QUOTED = (
    'She said, "I refused it because I was scared, not because I did not want it."',
    "In his words: “I’m an addict and I say so, that is my choice.”",
    "She told me «I was kicking off because nobody listened».",
    "He said 'I was resistant at first but now I get it' and laughed.",
    'She described herself as "a regular at the clinic, and proud of it".',
)


def build_note(words: int = 2000, *, seed: int = 7) -> str:
    """A deterministic contact note of about ``words`` words, in paragraphs."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences: list[str] = []
        for _ in range(rng.randint(4, 8)):
            roll = rng.random()
            pool = _FLAGGED if roll < 0.15 else _QUOTED if roll < 0.22 else _PROSE
            sentence = rng.choice(pool)
            sentences.append(sentence)
            count += len(sentence.split())
            if count >= words:
                break
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def benchmark(words: int = 2000, runs: int = 20) -> dict[str, float]:
    """Time `language.flag` on a ``words``-word note: p50, p95 (and more) in milliseconds."""
    note = build_note(words)
    terms = language.shipped_terms()
    started = time.perf_counter()
    matcher = language.matcher_for(terms)  # compiled once, then cached
    compile_ms = (time.perf_counter() - started) * 1000
    findings = language.flag(note)  # warm-up
    timings: list[float] = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        language.flag(note, preferred=("addict",))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95_index = min(len(timings) - 1, max(0, round(0.95 * len(timings)) - 1))
    del matcher
    return {
        "words": float(len(note.split())),
        "chars": float(len(note)),
        "findings": float(len(findings)),
        "runs": float(len(timings)),
        "compile_ms": compile_ms,
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[p95_index],
        "max_ms": timings[-1],
    }


if __name__ == "__main__":  # pragma: no cover
    for key, value in benchmark().items():
        print(f"{key:>10}: {value:.2f}")
