"""How alike two article bodies read: word shingles and their MinHash signatures.

Each article stores the signature of its body (`Article.body_signature`, filled by `write`), so
the duplicate gate compares a new body with a month of articles without reading their text.
"""

import re

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 5
# The signature's shape is part of what is stored: changing any of these makes stored
# signatures incomparable with new ones (compare() then skips them).
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
DTYPE = np.dtype("<u4")
SIGNATURE_BYTES = NUM_PERM * DTYPE.itemsize

WORD = re.compile(r"\w+")


def shingles(text: str) -> set[str]:
    """Return the body's runs of SHINGLE_WORDS words, lowercased; a shorter body is one run."""
    words = WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(text: str) -> bytes | None:
    """Return the MinHash signature of the text's shingles as bytes, or None for no words."""
    runs = shingles(text)
    if not runs:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    minhash.update_batch(run.encode() for run in runs)
    return minhash.hashvalues.astype(DTYPE).tobytes()


def similarities(one: bytes, others: list[bytes | memoryview | None]) -> np.ndarray:
    """Return the estimated Jaccard similarity of `one` with each of `others` (0 for a missing
    or incomparable signature): the share of the signatures' positions that agree."""
    mine = np.frombuffer(one, dtype=DTYPE)
    comparable = [bytes(other) for other in others if other and len(other) == SIGNATURE_BYTES]
    result = np.zeros(len(others))
    if not comparable:
        return result
    stacked = np.frombuffer(b"".join(comparable), dtype=DTYPE).reshape(-1, NUM_PERM)
    agree = (stacked == mine).mean(axis=1)
    positions = [i for i, other in enumerate(others) if other and len(other) == SIGNATURE_BYTES]
    result[positions] = agree
    return result
