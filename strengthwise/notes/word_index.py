"""The notes' word index holds keyed tokens, never words.

A note's sections are sealed at rest (core/fields.py); an index of its words in clear would
give back what sealing hides. So the note keeps *blind tokens* instead: the first letters of
an HMAC (core/crypto.py's blind-index key, one-way from the field key) of the agency, the
text and what it is. Two columns, each under the database's full-text index (FTS5 on SQLite,
a GIN `tsvector` on PostgreSQL; migrations 0004 and 0007), which index tokens as words:

- `Note.search_text`: one *word token* per word, in sorted order (so neither word order nor
  anything else about the text is kept), repeats kept. It ranks the matches (bm25 /
  `ts_rank`) exactly as the words did: a word's frequency and the note's length in words.
- `Note.search_starts`: one *start token* per distinct start of a word (its first
  MIN_PREFIX..MAX_PREFIX letters; a shorter word as itself), sorted. A query word matches a
  note holding the start token of its first MAX_PREFIX letters, so it matches any word it
  starts, as FTS5 prefix queries did (a query word longer than MAX_PREFIX letters matches
  words sharing its first MAX_PREFIX letters; such a note ranks below whole-word matches).

Without the field key, the columns and the indexes show which notes share a word (or the start
of one) and how often, but not the words. Tokens depend on the agency: the same word gives
different tokens in two agencies. While keys are being rotated, a query asks for the tokens
under every configured key (`query_terms`); `strengthwise rotate-keys` recomputes them
(`Note.sealed_indexes`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from strengthwise.core import crypto
from strengthwise.core.text import fold

WORD = b"notes.note.word"
START = b"notes.note.start"
MIN_PREFIX = 2
MAX_PREFIX = 12
TOKEN_LETTERS = 11  # 26**11 ≈ 2**51.7: collisions are negligible at any agency's vocabulary
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"  # letters only: both databases see one plain word


def _starts(word: str) -> list[str]:
    if len(word) < MIN_PREFIX:
        return [word]
    return [word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)]


def _encode(digest: bytes) -> str:
    number = int.from_bytes(digest[:8], "big")
    letters = []
    for _ in range(TOKEN_LETTERS):
        number, rest = divmod(number, 26)
        letters.append(_ALPHABET[rest])
    return "".join(letters)


@functools.lru_cache(maxsize=65536)
def _token(secret: bytes, kind: bytes, agency_id: int, text: str) -> str:
    message = kind + b"\x00" + str(agency_id).encode() + b"\x00" + text.encode()
    return _encode(hmac.new(secret, message, hashlib.sha256).digest())


@functools.lru_cache(maxsize=65536)
def _start_tokens(secret: bytes, agency_id: int, word: str) -> tuple[str, ...]:
    return tuple(_token(secret, START, agency_id, start) for start in _starts(word))


def tokens_for(agency_id: int, *texts: str, key: crypto.FieldKey | None = None) -> tuple[str, str]:
    """(`search_text`, `search_starts`) for a note of this agency with these texts, under
    `key` (by default the sealing key): sorted tokens, space separated; '' for no words."""
    secret = (key or crypto.current_key()).index_secret
    words = fold(" ".join(texts)).split()
    starts: set[str] = set()
    for word in set(words):
        starts.update(_start_tokens(secret, agency_id, word))
    word_tokens = sorted(_token(secret, WORD, agency_id, word) for word in words)
    return " ".join(word_tokens), " ".join(sorted(starts))


def query_terms(
    agency_id: int, query: str, *, max_words: int = 8
) -> list[tuple[list[str], list[str]]]:
    """Per distinct query word (at most `max_words`): its start tokens and its word tokens,
    one of each under every configured key. A note matches when it holds a start token of
    every word; whole-word matches rank it."""
    terms = []
    keys = [k.index_secret for k in crypto.field_keys()]
    for word in dict.fromkeys(fold(query).split()[:max_words]):
        start = word[:MAX_PREFIX]
        terms.append(
            (
                list(dict.fromkeys(_token(k, START, agency_id, start) for k in keys)),
                list(dict.fromkeys(_token(k, WORD, agency_id, word) for k in keys)),
            )
        )
    return terms
