"""The language helper: flag deficit or stigmatising terms in a contact note.

The worker writes and the helper points at words that have a strengths-based alternative, with the
suggestions and the sources behind them. It **never rewrites anything**: `flag()` returns
findings (offsets into the text exactly as given) and leaves the text alone.

Pure Python: no database and no Django. The list is data (``data/language.csv`` and
``data/language-sources.csv``, see ``data/SOURCES.md``) and agencies are expected to edit it.
This module turns each row into regular-expression variants and compiles them all into one
combined pattern per list of terms. Compiled matchers are cached.

Matching rules, in the order `Matcher.flag` applies them (each step is marked in the code):

a. **Case-insensitive, whole words.** A match never starts or ends inside a longer word, so
   "prefused" and "refusenik" are never flagged. Some words have an innocent second sense, and
   a small table of *sense guards* (``_FORM_GUARDS``) keeps those apart. The noun *refuse*
   (rubbish: "the refuse truck", "refuse collection", "bags of refuse") is not flagged; the verb
   ("they refuse to engage") is. Likewise "enable her to attend", "denial of benefits",
   "insulin resistance" and "kicked off the meeting" are not flagged. Adjectives that stigmatise
   only when they label a person (``_LABEL_ADJECTIVES``: alcoholic, criminal, homeless,
   borderline, regular, …) are not flagged when another content word directly follows
   ("alcoholic drinks", "criminal record", "the homeless shelter", "a regular basis").
b. **Inflections** are generated from each written word by a small suffix table
   (``_inflections``): refused → refuse/refuses/refusing/refusal; resistant → resistance;
   manipulative → manipulate/manipulating/manipulation; non-compliant → non-compliance, and so
   on, with British/American spellings (judgement/judgment, utiliser/utilizer).
   The ``" / "`` variants of a CSV row are each expanded the same way. A compound of an
   object and a noun of action is also found as the verb with its object (``_verb_phrases``):
   "drug abuse" and "drug abuser" → "he abuses drugs", "abusing substances", "abused his
   drugs", "the abuse of alcohol".
c. **Phrases** match with any whitespace (including line breaks) between words. Hyphenated
   words also match spaced and closed up ("non-compliant", "non compliant", "noncompliant"),
   and spaced phrases also match hyphenated ("attention-seeking"). A term inside a longer phrase
   is found on its own ("was resistant" flags "resistant").
d. **The client's own quoted words** are skipped (`quoted_spans`): "…", “…” and
   «…». A ‘…’ or '…' pair counts only when it is clearly a quotation: the opening mark starts
   a word (text start, whitespace or an opening bracket/dash before it, a non-space after it)
   and a closing mark ends a word (a non-space before it, no letter or digit after it) in the
   same paragraph. Any other ’ or ' is an apostrophe ("don’t", "the client’s"). An unbalanced
   "…", “… or «… runs to the end of its paragraph (a blank line) or of the text. An unbalanced
   ‘ is read as an apostrophe, because an apostrophe can also start a word ("‘cause").
   A match that touches a quoted span at all is skipped. A quotation is the client's unless
   the writer marked it as someone else's (`Quote`, by ``other``: a teacher, a parent, another
   professional), or nobody marked it in a note of a contact with someone else (``unmarked``):
   then its words are flagged like any other, each finding saying whose quotation it is.
e. **Preferred terms**: words the client uses for themselves ("addict", "alcoholic") and any
   inflection of them ("addicts") are not flagged when they make up the whole match. A longer
   term that contains one ("former addict", "untreated alcoholic") is still flagged. Those
   qualifiers are the worker's words.
f. **No overlaps, longest first.** The scan goes left to right. At each position the
   alternative with the most words wins, then a term's own written form before another term's
   inflected form, then the longer written head word ("drug abuser" and "drug abusers" are
   *Drug abuser*, not inflections of *drug abuse*). The scan
   resumes after the finding, so findings never overlap and come out sorted by ``start``.
g. **The text is never modified**: ``text[f.start:f.end] == f.matched`` for every finding.

Context notes in the CSV (text in parentheses after a term) are honoured: ``(e.g., X)`` adds X
as a variant, ``(as nouns)`` limits a term to noun use ("a diabetic", "diabetics", but not
"diabetic diet" or "is diabetic"), ``(as a label)`` limits it to a group label ("our clients",
"the patients"), and any other note (``(drug screen)``, ``(vs. disabled)``) means the term is
only flagged with one of those words, or a close synonym, within six words on either side in
the same sentence ("UA came back clean", "normal and disabled children"; not "the room was
clean").
"""

from __future__ import annotations

import bisect
import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "Finding",
    "Matcher",
    "Term",
    "flag",
    "load_terms",
    "matcher_for",
    "quoted_spans",
    "resolve_source",
    "shipped_terms",
]

# The list is the notes' data (the language helper's home); the matcher lives in core because
# the sensitive-information categories (core/sensitivity.py) use it on every app's text.
DATA_DIR = Path(__file__).resolve().parent.parent / "notes" / "data"
LANGUAGE_CSV = DATA_DIR / "language.csv"
SOURCES_CSV = DATA_DIR / "language-sources.csv"


@dataclass(frozen=True)
class Term:
    """One row of the list: the term as written, its alternatives and resolved citations."""

    term: str
    alternatives: tuple[str, ...]
    sources: tuple[str, ...]


MAX_REPLACEMENT_WORDS = 6


@dataclass(frozen=True)
class Finding:
    """A flagged span: ``text[start:end] == matched``. ``source`` joins the term's citations."""

    term: str
    start: int
    end: int
    matched: str
    suggestions: tuple[str, ...]
    source: str
    quotation: str = ""  # inside someone else's quoted words: whose ("his teacher")

    @property
    def replacements(self) -> list[str]:
        """The suggestions that can stand in the text as they are (a few words, no advice in
        brackets): the note page offers each as a one-click "Use" — the worker's choice; the
        helper itself still never changes a word."""
        return [
            s
            for s in self.suggestions
            if s
            and len(s.split()) <= MAX_REPLACEMENT_WORDS
            and not any(ch in s for ch in '()"')
            and not s.lower().startswith(("or ", "describe", "say ", "ask "))
        ]


@dataclass(frozen=True)
class Quote:
    """Whose words a quotation in the text is (step d): the client's own (``by="client"``,
    left alone) or someone else's (``by="other"``, flagged, with ``who`` said it)."""

    text: str
    by: str
    who: str = ""


CLIENT = "client"
OTHER = "other"
SOMEONE_ELSE = "someone else"  # whose a quotation is when the writer did not say
_QUOTE_MARKS = "\"“”«»‘’'"


def quote_key(text: str) -> str:
    """How a quotation is matched to its attribution: without its quotation marks, spaces
    collapsed, case folded."""
    return " ".join(text.strip(_QUOTE_MARKS + " \t\n").split()).casefold()


# --------------------------------------------------------------------------------------------
# Loading the CSVs
# --------------------------------------------------------------------------------------------

_BRACKET_NOTE = re.compile(r"\s*\[[^\]]*\]")
_PAREN_NOTE = re.compile(r"\s*\(([^()]*)\)")


def _clean_alternative(text: str) -> str:
    text = _BRACKET_NOTE.sub("", text).strip()  # "[…]" is an editor's remark, not a suggestion
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def load_sources(path: Path = SOURCES_CSV) -> dict[str, str]:
    """The citation for each source key."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["key"].strip(): row["source"].strip()
            for row in csv.DictReader(fh)
            if row.get("key", "").strip()
        }


def resolve_source(label: str, sources: dict[str, str]) -> tuple[str, ...] | None:
    """Resolve one entry of a row's ``sources`` column to citation strings, or None.

    Exact keys first ("UofL"). Then keys joined by "/" ("NIDA/Norwood" cites both). Then a key in
    a longer label: "NRC (ONDCP)", "Humility of Mary (veahavta)", "FIRE-reproduced code",
    "AP via calendar-australia" (the key "calendar-australia (AP)" without its note). A loosely
    matched label is kept in front of the citation so that nothing the row said is lost.
    """
    label = label.strip()
    by_lower = {key.lower(): key for key in sources}
    if label.lower() in by_lower:
        return (sources[by_lower[label.lower()]],)
    parts = [p.strip() for p in label.split("/")]
    if len(parts) > 1 and all(p.lower() in by_lower for p in parts):
        return tuple(sources[by_lower[p.lower()]] for p in parts)
    candidates: list[str] = []
    for key in sources:
        bare = _PAREN_NOTE.sub("", key).strip()
        for name in {key, bare}:
            if name and re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", label, re.IGNORECASE):
                candidates.append(key)
    if not candidates:
        return None
    key = max(candidates, key=len)  # the most specific key named in the label
    return (f"{label}: {sources[key]}",)


def load_terms(
    language_csv: Path = LANGUAGE_CSV, sources_csv: Path = SOURCES_CSV, *, strict: bool = False
) -> tuple[Term, ...]:
    """Read the list. An unknown source key is kept as written, or raises with ``strict``."""
    sources = load_sources(sources_csv)
    terms: list[Term] = []
    with language_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("term") or "").strip()
            if not name:
                continue
            alternatives = tuple(
                alt
                for part in (row.get("alternatives") or "").split(";")
                if (alt := _clean_alternative(part))
            )
            citations: list[str] = []
            for label in (row.get("sources") or "").split(";"):
                if not label.strip():
                    continue
                resolved = resolve_source(label, sources)
                if resolved is None:
                    if strict:
                        raise ValueError(
                            f"{language_csv.name}: unknown source {label.strip()!r} for {name!r}"
                        )
                    resolved = (label.strip(),)
                citations.extend(c for c in resolved if c not in citations)
            terms.append(Term(term=name, alternatives=alternatives, sources=tuple(citations)))
    return tuple(terms)


@functools.cache
def shipped_terms() -> tuple[Term, ...]:
    """The list shipped in ``data/`` (read once per process)."""
    return load_terms()


# --------------------------------------------------------------------------------------------
# Step b: inflections, a small suffix table of our own
# --------------------------------------------------------------------------------------------


def _wordlist(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Words that are never inflected (they glue phrases together).
_FIXED_WORDS = frozenset(
    _wordlist("a an the of to from with without out off that by in on for as and or at into up")
)
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "is": ("is", "are", "was", "were"),
    "are": ("is", "are", "was", "were"),
    "has": ("has", "have", "had", "having"),
    "have": ("has", "have", "had", "having"),
    "person": ("person", "persons", "people"),
    "people": ("person", "persons", "people"),
    "man": ("man", "men"),
    "woman": ("woman", "women"),
    "child": ("child", "children"),
}
_ATE = ("ate", "ates", "ated", "ating", "ation", "ations", "ative", "atively", "ator", "ators")
_ANT = ("ant", "ants", "ance", "ances", "ancy", "antly")
_ENT = ("ent", "ents", "ence", "ences", "ency", "ently")
_Y = ("y", "ies", "ied", "ying")
# (ending, the endings of the whole family): the longest matching ending wins, and the word's
# stem takes every ending of the family.  None means "this word has no inflections".
_SUFFIX_FAMILIES: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("ss", None),  # homeless, illness
    ("ally", None),  # mentally (adverbs)
    ("ative", _ATE),  # manipulative → manipulate, manipulating, manipulation
    ("ation", _ATE),
    ("ating", _ATE),
    ("ated", _ATE),  # unmotivated
    ("ate", _ATE),
    ("ional", ("ion", "ions", "ional", "ionally")),  # delusional → delusion(s)
    ("ment", ("ment", "ments")),  # judgment, assessment (not the -ent family)
    ("ance", _ANT),
    ("ancy", _ANT),
    ("ant", _ANT),  # resistant → resistance; (non)compliant → (non)compliance; vagrant → vagrancy
    ("ence", _ENT),
    ("ency", _ENT),
    ("ent", _ENT),  # delinquent → delinquency
    ("ous", ("ous", "ously", "ousness")),  # dangerous → dangerously
    ("iose", ("iose", "iosity")),  # grandiose → grandiosity
    ("ic", ("ic", "ics", "ically")),  # alcoholic(s), unrealistic(ally)
    ("ial", ("ial", "ials")),  # denial(s)
)
_VOWELS = "aeiou"


def _verb_forms(stem: str) -> set[str]:
    """Verb forms from a stem without its final -e/-ed/-ing: refus → refuse, refused, refusal…"""
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS + "lsfz":
        base = stem[:-1]  # handicapp(ed) → handicap, handicaps, handicapped, handicapping
        return {base, base + "s", stem + "ed", stem + "ing", stem + "er", stem + "ers"}
    forms = {
        stem,
        stem + "s",
        stem + "e",
        stem + "es",
        stem + "ed",
        stem + "ing",
        stem + "er",
        stem + "ers",
    }
    if stem.endswith(("s", "v")):
        forms |= {stem + "al", stem + "als"}  # refusal, removal
    return forms


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if len(word) > 2 and word.endswith("y") and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    return word + "s"


@functools.cache
def _inflections(word: str) -> frozenset[str]:
    """Every inflected form of one lower-case word (including the word itself)."""
    if word in _FIXED_WORDS or len(word) <= 2 or not word.isalpha():
        return frozenset({word})
    if word in _IRREGULAR:
        return frozenset(_IRREGULAR[word])
    for ending, family in _SUFFIX_FAMILIES:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            if family is None:
                return frozenset({word})
            stem = word[: -len(ending)]
            return frozenset({word, *(stem + e for e in family)})
    forms: set[str] = {word}
    if word.endswith(("ies", "ied")):
        forms |= {word[:-3] + e for e in _Y}
    elif len(word) > 2 and word.endswith("y") and word[-2] not in _VOWELS:
        forms |= {word[:-1] + e for e in _Y}  # family → families
    elif word.endswith("ing") and len(word) > 5:
        forms |= _verb_forms(word[:-3])  # suffering → suffer, suffers, suffered
    elif word.endswith("ed") and len(word) > 4:
        forms |= _verb_forms(word[:-2])  # refused → refuse, refuses, refusing, refusal
    elif word.endswith(("er", "or")):
        forms.add(word + "s")  # abuser(s), flyer(s): agent nouns only take a plural
    elif word.endswith("e"):
        forms |= _verb_forms(word[:-1])  # relapse → relapsed, relapsing; enable → enabling
    elif word.endswith("s") and not word.endswith(("us", "is")):
        forms |= _inflections(word[:-1])  # clients → client; believes → believe, believed…
    else:
        forms.add(_plural(word))  # addict → addicts
    return frozenset(forms)


# British and American spellings, applied to every generated form (both directions).
_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("judgment", "judgement"),
    ("flyer", "flier"),
    ("behaviour", "behavior"),
    ("iser", "izer"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("isation", "ization"),
)


def _with_spellings(forms: Iterable[str]) -> set[str]:
    out = set(forms)
    for form in list(out):
        for a, b in _SPELLINGS:
            if a in form:
                out.add(form.replace(a, b))
            if b in form:
                out.add(form.replace(b, a))
    return out


# --------------------------------------------------------------------------------------------
# Step a: sense guards (regular-expression assertions placed around particular word forms)
# --------------------------------------------------------------------------------------------

# Function words: after a label adjective they do not make it a modifier ("the homeless and…").
_FUNCTION_WORDS = _wordlist(
    "and or but nor who whom whose that which are were is was be been being have has had do does "
    "did can could will would should may might must need needs in on at of for from to with "
    "without by as than into onto across around through like such if when where while because "
    "so yet also often still this these those there here too not it they we you he she i our "
    "their his her its my your all both each again now then since until after before about"
)
_ANY_SPACE = r"(?:[^\S\n]+|[^\S\n]*\n[^\S\n]*)"  # spaces, or one line break (not a blank line)
_NOUN_GUARD = rf"(?!{_ANY_SPACE}(?!(?:{'|'.join(_FUNCTION_WORDS)})\b)[^\W\d_])"

# Adjectives that stigmatise when they label a person. At the end of a variant they are not
# flagged when a content word follows directly: they then modify that word ("criminal record").
_LABEL_ADJECTIVES = frozenset(
    _wordlist(
        "alcoholic criminal delinquent derelict vagrant diabetic epileptic schizophrenic "
        "borderline regular homeless disabled handicapped"
    )
)


def _not_after(*words: str) -> str:
    """Negative lookbehinds: the form is not directly preceded by any of these words."""
    return "".join(rf"(?<!\b{re.escape(w)}\s)(?<!\b{re.escape(w)}-)" for w in words)


def _not_before(*words: str) -> str:
    return rf"(?!\s+(?:{'|'.join(re.escape(w) for w in words)})\b)"


_REFUSE_NOUN = (
    _not_after("the", "a", "of", "household", "garden", "domestic", "general", "some", "any"),
    _not_before(
        "collection", "collections", "collector", "collectors", "truck", "trucks", "lorry",
        "lorries", "bin", "bins", "sack", "sacks", "bag", "bags", "tip", "disposal", "site",
        "chute", "store", "area", "services", "service", "workers",
    ),
)  # fmt: skip
_RESIST_TECHNICAL = (
    _not_after(
        "insulin", "antibiotic", "antimicrobial", "drug", "treatment", "water", "heat", "fire",
        "stain", "rust", "tamper", "shatter", "wear", "weather", "disease", "pest",
    ),
    _not_before("training", "band", "bands", "exercise", "exercises"),
)  # fmt: skip
_ENABLE_TO = ("", r"(?!(?:\s+[\w'’]+){0,3}?\s+to\b)")  # "enable her to attend" is not enabling
_DENIAL_ADMIN = (
    "",
    _not_before("of", "letter", "letters", "notice", "notices", "decision", "decisions"),
)

# form → (assertions before, assertions after)
_FORM_GUARDS: dict[str, tuple[str, str]] = {
    "refuse": _REFUSE_NOUN,
    **dict.fromkeys(("resistance", "resistances", "resistant"), _RESIST_TECHNICAL),
    **dict.fromkeys(
        ("enable", "enables", "enabled", "enabling", "enabler", "enablers"), _ENABLE_TO
    ),
    **dict.fromkeys(("denial", "denials"), _DENIAL_ADMIN),
    # Alcoholics Anonymous and Adult Children of Alcoholics are names of fellowships.
    "alcoholics": (_not_after("children of"), _not_before("anonymous")),
}
# written phrase → assertion after the whole phrase
_PHRASE_GUARDS: dict[str, str] = {
    # "kicked off the meeting", "the kick-off session" are not distress.
    "kicking off": _not_before(
        "the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "our", "my",
        "its", "proceedings", "meeting", "meetings", "session", "sessions", "event", "events",
        "workshop", "shoes",
    ),
}  # fmt: skip

# Context vocabulary for notes like "(drug screen)" or "(vs. disabled)": a note's word also
# brings these close synonyms.
_CONTEXT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "drug": (
        "drug", "drugs", "tox", "toxicology", "urine", "urinalysis", "uds", "ua", "uas", "swab",
        "swabs", "breathalyser", "breathalyzer", "substance", "substances",
    ),
    "screen": (
        "screen", "screens", "screened", "screening", "test", "tests", "tested", "testing",
        "sample", "samples", "result", "results", "drop", "drops",
    ),
    "disabled": (
        "disabled", "disability", "disabilities", "handicapped", "impaired", "impairment",
        "impairments", "wheelchair", "wheelchairs", "deaf", "blind", "autistic",
    ),
}  # fmt: skip
_CONTEXT_WORDS = 6  # a context word must be within this many words either side
_CONTEXT_CHARS = 160

_SUBJECTS = ("client", "she", "he", "they")
_COPULAS = frozenset(_IRREGULAR["is"])
_SUBJECT = rf"(?:the\s+)?(?:{'|'.join(_SUBJECTS)})"
_NOUN_DETERMINERS = ("a", "an", "the")
_LABEL_DETERMINERS = (
    "the",
    "our",
    "my",
    "these",
    "those",
    "all",
    "all the",
    "all our",
    "all of our",
)

# Separators. Between the words of a phrase: whitespace (line breaks too) or a hyphen. Between
# the parts of a hyphenated word: a hyphen, whitespace, or nothing.
_DASHES = "-\u2010\u2011"
_WORD_SEP = rf"(?:\s*[{_DASHES}]\s*|\s+)"
_PART_SEP = rf"(?:[{_DASHES}]\s*|\s+)?"
_SLASH_SEP = r"\s*/\s*"
_SPLIT_PARTS = re.compile(rf"[{_DASHES}]")


# --------------------------------------------------------------------------------------------
# Parsing a CSV term into variants
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """One written variant: lower-case words (a word may hold "-" parts or "/" options)."""

    words: tuple[str, ...]
    quoted: bool = False
    mode: str = "plain"  # "plain", "noun" (as nouns), "label" (as a label) or "verb" (derived)


_VARIANT_SPLIT = re.compile(r"\s*;\s*")
_GROUP_SPLIT = re.compile(r"\s+/\s+")
_STRIP = "\"“”'‘’«» \t…."


def _words(text: str) -> tuple[str, ...]:
    text = text.replace("…", " ").replace("...", " ")
    return tuple(w.strip(_STRIP).lower() for w in text.split() if w.strip(_STRIP))


def _parse_term(raw: str) -> tuple[list[_Spec], tuple[str, ...]]:
    """Split a CSV ``term`` into written variants and context words (see the module docs)."""
    notes = _PAREN_NOTE.findall(raw)
    core = _PAREN_NOTE.sub(" ", raw)
    mode = "plain"
    context: list[str] = []
    examples: list[_Spec] = []
    for note in (n.strip() for n in notes):
        if m := re.match(r"e\.?\s*g\.?,?\s*(.+)$", note, re.IGNORECASE):
            examples.append(_Spec(_words(m.group(1))))
        elif re.fullmatch(r"as nouns?", note, re.IGNORECASE):
            mode = "noun"
        elif re.fullmatch(r"as an? labels?", note, re.IGNORECASE):
            mode = "label"
        else:
            note = re.sub(r"^(?:vs\.?|versus)\s+", "", note, flags=re.IGNORECASE)
            context.extend(_words(note))
    specs: list[_Spec] = []
    for group in _VARIANT_SPLIT.split(core):
        pieces = [p.strip() for p in _GROUP_SPLIT.split(group) if p.strip(_STRIP)]
        quoted = [p[0] in '"“' for p in pieces]
        words = [_words(p) for p in pieces]
        lengths = [len(w) for w in words]
        # "Homeless youth / veteran / family" → homeless youth, homeless veteran, homeless family;
        # "Former / reformed addict" → former addict, reformed addict. Only when one variant has
        # exactly two words and every other has one (so "Wheelchair-bound / confined to a
        # wheelchair" stays as written), and never for quoted phrases.
        if len(words) > 1 and not any(quoted):
            if lengths[0] == 2 and all(n == 1 for n in lengths[1:]):
                words = [words[0]] + [(words[0][0], *w) for w in words[1:]]
            elif lengths[-1] == 2 and all(n == 1 for n in lengths[:-1]):
                words = [(*w, words[-1][1]) for w in words[:-1]] + [words[-1]]
        specs.extend(_Spec(w, q, mode) for w, q in zip(words, quoted, strict=True) if w)
    specs.extend(examples)
    specs.extend(_verb_phrases(specs))
    return specs, tuple(context)


# Nouns of action (and their agent nouns) that are also verbs taking the compound's first word
# as their object: "drug abuse" / "drug abuser" → "abuses drugs", "abusing substances".
_ACTION_NOUNS = {"abuse": "abuse", "abuser": "abuse", "misuse": "misuse", "misuser": "misuse"}
# Words that may stand between such a verb and its object ("abused her drugs").
_OBJECT_DETERMINERS = ("his", "her", "their", "the", "my", "your", "our", "some", "any")


def _verb_phrases(specs: list[_Spec]) -> list[_Spec]:
    """Step b, verbs from nouns: for each written "<object> <action noun>" variant, the verb
    with that object ("drug/alcohol abuse" → "abuse drug/alcohol", which matches "he abuses
    drugs", "abusing alcohol", "abused their drugs", "the abuse of substances")."""
    derived: list[_Spec] = []
    for spec in specs:
        if spec.mode != "plain" or spec.quoted or len(spec.words) != 2:
            continue
        obj, head = spec.words
        verbs = {_ACTION_NOUNS[h] for h in head.split("/") if h in _ACTION_NOUNS}
        if not verbs or obj in _SUBJECTS:
            continue
        for verb in sorted(verbs):
            phrase = _Spec((verb, obj), mode="verb")
            if phrase not in derived:
                derived.append(phrase)
    return derived


# --------------------------------------------------------------------------------------------
# Building the regular expression
# --------------------------------------------------------------------------------------------


def _alternation(items: Iterable[str]) -> str:
    unique = sorted(set(items), key=lambda s: (-len(s), s))
    return unique[0] if len(unique) == 1 else "(?:" + "|".join(unique) + ")"


def _form_regex(form: str, *, last: bool) -> str:
    before, after = _FORM_GUARDS.get(form, ("", ""))
    pattern = before + re.escape(form) + after
    if last and form in _LABEL_ADJECTIVES:
        pattern += _NOUN_GUARD
    return pattern


def _forms_regex(forms: Iterable[str], *, last: bool) -> str:
    return _alternation(_form_regex(f, last=last) for f in _with_spellings(forms))


def _option_regex(option: str, *, inflect: bool, last: bool) -> str:
    """One word, hyphen parts joined loosely; only the final part is inflected."""
    parts = [p for p in _SPLIT_PARTS.split(option) if p]
    out: list[str] = []
    for i, part in enumerate(parts):
        final = i == len(parts) - 1
        forms = _inflections(part) if inflect and final else {part}
        out.append(_forms_regex(forms, last=last and final))
    return _PART_SEP.join(out)


def _word_regex(word: str, *, inflect: bool, last: bool) -> str:
    """A word slot; "drug/alcohol" also matches "drug", "alcohol" and "drug/alcohol"."""
    options = [o for o in word.split("/") if o]
    alt = _alternation(_option_regex(o, inflect=inflect, last=last) for o in options)
    if len(options) > 1:
        alt = f"{alt}(?:{_SLASH_SEP}{alt})*"
    return alt


def _word_initials(word: str, *, inflect: bool) -> set[str]:
    """The letters a word slot can start with (for dispatching on the first letter)."""
    initials: set[str] = set()
    for option in (o for o in word.split("/") if o):
        parts = [p for p in _SPLIT_PARTS.split(option) if p]
        forms = _inflections(parts[0]) if inflect and len(parts) == 1 else {parts[0]}
        initials |= {f[0] for f in _with_spellings(forms)}
    return initials


@dataclass(frozen=True)
class _Alternative:
    pattern: str
    words: int  # ordering: more words first (longest match at a position)
    inflected: bool  # then the written forms before inflected ones
    length: int  # then the longer written head word ("abuser" before "abuse"), then phrase
    initials: frozenset[str]  # the letters it can start with


def _spec_alternatives(spec: _Spec, *, inflect: bool) -> list[_Alternative]:
    words = spec.words
    # The head (last) word decides between two inflected alternatives of the same length in
    # words: "drug abusers" is the plural of "drug abuser", not an inflection of "drug abuse".
    length = len(min(words[-1].split("/"), key=len)) * 1000 + len(" ".join(words))
    if spec.mode in {"noun", "label"} and len(words) == 1:
        word = words[0]
        if spec.mode == "noun":
            # "a diabetic" (followed by no content word) or "diabetics"; never "diabetic diet".
            det = _alternation(_NOUN_DETERMINERS)
            singular = rf"{det}\s+{_forms_regex({word}, last=True)}"
            plural = _forms_regex({_plural(word)}, last=True)
            return [
                _Alternative(
                    singular, 2, False, length, frozenset(d[0] for d in _NOUN_DETERMINERS)
                ),
                _Alternative(plural, 1, False, length, frozenset(word[0])),
            ]
        # "our clients", "the patients": the plural with a determiner, never "the client".
        base = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
        det = _alternation(d.replace(" ", r"\s+") for d in _LABEL_DETERMINERS)
        pattern = rf"{det}\s+{_forms_regex({_plural(base)}, last=True)}"
        return [
            _Alternative(pattern, 2, False, length, frozenset(d[0] for d in _LABEL_DETERMINERS))
        ]
    if spec.mode == "verb":
        if not inflect:
            return []  # a derived phrase has no written form of its own
        # Any form of the verb, then (optionally a possessive or article) its object, singular
        # or plural: "abuses drugs", "abusing substances", "abused her drugs", "abuse of drugs".
        verb, obj = words
        det = _alternation(_OBJECT_DETERMINERS)
        pattern = (
            _forms_regex(_inflections(verb), last=False)
            + rf"(?:\s+of)?{_WORD_SEP}(?:{det}\s+)?"
            + _word_regex(obj, inflect=True, last=True)
        )
        starts = frozenset(f[0] for f in _with_spellings(_inflections(verb)))
        return [_Alternative(pattern, len(words), True, length, starts)]
    slots: list[str] = []
    prefix = ""
    start = 0
    initials: set[str] = set()
    subject_initials = {"t", *(s[0] for s in _SUBJECTS)}
    if words[0] in _SUBJECTS and len(words) > 1:
        if words[1] in _COPULAS:
            start = 1  # "She is schizophrenic": the subject is optional (and may be "the client")
        else:
            slots.append(_SUBJECT)  # "Client believes that": any subject, but one is needed
            initials |= subject_initials
            start = 1
    if start < len(words) and words[start] in _COPULAS:
        prefix = rf"(?:{_SUBJECT}\s+)?"  # "is borderline" also covers "she is borderline"
        initials |= subject_initials
    if not slots:
        initials |= _word_initials(words[start], inflect=inflect)
    for i in range(start, len(words)):
        slots.append(_word_regex(words[i], inflect=inflect, last=i == len(words) - 1))
    pattern = prefix + _WORD_SEP.join(slots)
    pattern += _PHRASE_GUARDS.get(" ".join(words), "")
    return [_Alternative(pattern, len(words), inflect, length, frozenset(initials))]


def _context_regex(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    vocab: set[str] = set()
    for w in words:
        vocab |= set(_CONTEXT_SYNONYMS.get(w, (w, _plural(w))))
    return re.compile(_alternation(re.escape(v) for v in vocab), re.IGNORECASE)


def term_patterns(term: Term) -> list[str]:
    """The regular-expression alternatives generated for one term (for tests and debugging)."""
    specs, _ = _parse_term(term.term)
    return [
        alt.pattern
        for spec in specs
        for inflect in (False, True)
        for alt in _spec_alternatives(spec, inflect=inflect)
    ]


# --------------------------------------------------------------------------------------------
# Step d: quotations
# --------------------------------------------------------------------------------------------

_QUOTE_EVENT = re.compile(r"[\"“”«»‘’']|\n[^\S\n]*\n")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
_DOUBLE_CLOSERS = {'"': '"”', "“": '”"', "«": "»"}
_SINGLE = "‘'"
_OPENING_CONTEXT = '([{<\u2014\u2013-/"“«'


_SINGLE_CLOSER = re.compile(r"(?<=\S)[’'](?![^\W_])")  # ends a word: not followed by a letter/digit


def _single_quote_closer(text: str, i: int, closers: list[int], paragraph_end: int) -> int | None:
    """Where the quotation opened by the single mark at ``i`` closes, or None if not a quotation."""
    if i + 1 >= len(text) or text[i + 1].isspace():
        return None
    if i > 0 and not (text[i - 1].isspace() or text[i - 1] in _OPENING_CONTEXT):
        return None  # a mark inside or after a word is an apostrophe: don't, the client’s
    k = bisect.bisect_left(closers, i + 2)
    if k < len(closers) and closers[k] < paragraph_end:
        return closers[k]
    return None


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of quoted text, quotation marks included, in order.

    "…", “…” and «…» always quote, and unbalanced ones run to the end of their paragraph.
    ‘…’ and '…' quote only as a clear pair within a paragraph (see the module docs, rule d).
    """
    spans: list[tuple[int, int]] = []
    breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(text)]
    single_closers: list[int] | None = None  # found on first use

    def paragraph_end(i: int) -> int:
        k = bisect.bisect_right(breaks, i)
        return breaks[k] if k < len(breaks) else len(text)

    open_at: int | None = None
    closers = ""
    resume = 0
    for m in _QUOTE_EVENT.finditer(text):
        i, mark = m.start(), m.group()
        if i < resume:
            continue
        if mark[0] == "\n":  # a blank line ends any open quotation
            if open_at is not None:
                spans.append((open_at, i))
                open_at = None
            continue
        if open_at is not None:
            if mark in closers:
                spans.append((open_at, i + 1))
                open_at = None
            continue
        if mark in _DOUBLE_CLOSERS:
            open_at, closers = i, _DOUBLE_CLOSERS[mark]
        elif mark in _SINGLE:
            if single_closers is None:
                single_closers = [m.start() for m in _SINGLE_CLOSER.finditer(text)]
            j = _single_quote_closer(text, i, single_closers, paragraph_end(i))
            if j is not None:
                spans.append((i, j + 1))
                resume = j + 1
    if open_at is not None:
        spans.append((open_at, len(text)))
    return spans


def _overlapping(
    spans: list[tuple[int, int]], starts: list[int], start: int, end: int
) -> tuple[int, int] | None:
    k = bisect.bisect_right(starts, start) - 1
    if k >= 0 and spans[k][1] > start:
        return spans[k]
    if k + 1 < len(spans) and spans[k + 1][0] < end:
        return spans[k + 1]
    return None


# --------------------------------------------------------------------------------------------
# The matcher
# --------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+")


_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n[^\S\n]*\n")


def _has_context(text: str, start: int, end: int, vocab: re.Pattern[str]) -> bool:
    """A context word within six words either side, in the same sentence."""
    before = text[max(0, start - _CONTEXT_CHARS) : start]
    ends = list(_SENTENCE_END.finditer(before))
    if ends:
        before = before[ends[-1].end() :]
    after = text[end : end + _CONTEXT_CHARS]
    if m := _SENTENCE_END.search(after):
        after = after[: m.start()]
    nearby = _WORD_RE.findall(before)[-_CONTEXT_WORDS:] + _WORD_RE.findall(after)[:_CONTEXT_WORDS]
    return any(vocab.fullmatch(w) for w in nearby)


class Matcher:
    """All terms of one list compiled into one regular expression; `flag` scans a text."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._contexts: list[re.Pattern[str] | None] = []
        entries: list[tuple[tuple[int, bool, int, int], str, int, frozenset[str]]] = []
        seen: set[tuple[str, int]] = set()
        for index, term in enumerate(self.terms):
            specs, context = _parse_term(term.term)
            self._contexts.append(_context_regex(context))
            for spec in specs:
                for inflect in (False, True):
                    for alt in _spec_alternatives(spec, inflect=inflect):
                        if (alt.pattern, index) in seen:
                            continue
                        seen.add((alt.pattern, index))
                        key = (-alt.words, alt.inflected, -alt.length, len(entries))
                        entries.append((key, alt.pattern, index, alt.initials))
        entries.sort()
        # Step f (part): alternatives are ordered so that at any position the one with the most
        # words, then a written form, then the longest written phrase, is tried first.
        # For speed they are grouped by the letter they start with, each group behind a one-letter
        # lookahead, so a word start only tries the alternatives for its letter. An alternative
        # that can start with several letters appears in several groups (one capture group each).
        group_term: list[int] = []
        branches: list[str] = []
        for letter in sorted(set().union(*(e[3] for e in entries))):
            members = [e for e in entries if letter in e[3]]
            group_term.extend(index for _, _, index, _ in members)
            body = "|".join(f"({pattern}(?!\\w))" for _, pattern, _, _ in members)
            branches.append(f"(?={re.escape(letter)})(?:{body})")
        self._group_term: tuple[int, ...] = tuple(group_term)
        # Step a: whole words only, case-insensitive.
        self._regex = re.compile(rf"(?<!\w)(?:{'|'.join(branches) or '(?!)'})", re.IGNORECASE)

    @property
    def pattern(self) -> re.Pattern[str]:
        return self._regex

    def flag(
        self,
        text: str,
        *,
        preferred: Iterable[str] = (),
        quotes: Iterable[Quote] = (),
        unmarked: str = CLIENT,
    ) -> list[Finding]:
        """Findings in ``text``, sorted by start, never overlapping. The text is not modified.

        ``quotes`` say whose words quotations are; a quotation nobody marked is ``unmarked``'s
        (the client's in a note of a contact with the client, someone else's in a collateral
        note). Only the client's own quoted words are left alone (step d)."""
        if not text or not self.terms:
            return []
        by_key = {quote_key(q.text): q for q in quotes if q.text.strip()}
        quoted: list[tuple[int, int]] = []
        others: list[tuple[int, int, str]] = []
        for q_start, q_end in quoted_spans(text):  # step d
            quote = by_key.get(quote_key(text[q_start:q_end]))
            by = quote.by if quote else unmarked
            if by == CLIENT:
                quoted.append((q_start, q_end))
            else:
                who = quote.who.strip() if quote else ""
                others.append((q_start, q_end, who or SOMEONE_ELSE))
        quoted_starts = [s for s, _ in quoted]
        preferred_re = _preferred_regex(
            tuple(sorted({p.strip().lower() for p in preferred if p.strip()}))
        )
        findings: list[Finding] = []
        search = self._regex.search
        pos = 0
        while (m := search(text, pos)) is not None:
            start, end = m.span()
            # Step d: nothing inside (or touching) the client's quoted words.
            if quoted and (span := _overlapping(quoted, quoted_starts, start, end)) is not None:
                pos = span[1] if span[0] <= start else start + 1
                continue
            assert m.lastindex is not None
            term = self.terms[self._group_term[m.lastindex - 1]]
            # Context notes such as "(drug screen)": flagged only with those words nearby.
            vocab = self._contexts[self._group_term[m.lastindex - 1]]
            if vocab is not None and not _has_context(text, start, end, vocab):
                pos = start + 1
                continue
            matched = text[start:end]  # step g: a slice, never a rewrite
            # Step e: the client's preferred words for themselves are not flagged.
            if preferred_re is not None and preferred_re.fullmatch(matched):
                pos = end
                continue
            findings.append(
                Finding(
                    term=term.term,
                    start=start,
                    end=end,
                    matched=matched,
                    suggestions=term.alternatives,
                    source="; ".join(term.sources),
                    quotation=next((w for s, e, w in others if s <= start and end <= e), ""),
                )
            )
            pos = end  # step f: resume after the finding, so findings never overlap
        return findings


@functools.lru_cache(maxsize=32)
def _preferred_regex(preferred: tuple[str, ...]) -> re.Pattern[str] | None:
    """Step e: one pattern matching a whole span that is a preferred term or its inflection."""
    patterns: list[str] = []
    for item in preferred:
        specs, _ = _parse_term(item)
        for spec in specs:
            patterns.extend(
                alt.pattern for alt in _spec_alternatives(_Spec(spec.words), inflect=True)
            )
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@functools.lru_cache(maxsize=32)
def matcher_for(terms: tuple[Term, ...]) -> Matcher:
    """A compiled matcher for this tuple of terms, cached."""
    return Matcher(terms)


def flag(
    text: str,
    *,
    terms: Iterable[Term] | None = None,
    preferred: Iterable[str] = (),
    quotes: Iterable[Quote] = (),
    unmarked: str = CLIENT,
) -> list[Finding]:
    """Flag ``text`` against ``terms`` (the shipped list when None); see the module docs."""
    chosen = shipped_terms() if terms is None else tuple(terms)
    return matcher_for(chosen).flag(text, preferred=preferred, quotes=quotes, unmarked=unmarked)
