"""Tokenizing and cleaning Arabic text for the bench's own needs (query derivation,
query sanitizing for the peers). This is NOT Fahras's analyzer and must stay simple
and engine-neutral: it only decides which words go into a query string.
"""
import re

# Tatweel and the harakat (fathatan .. sukun): Sphinx's ignore_chars per PEERS.md.
IGNORE_RE = re.compile("[\u0640\u064B-\u0652]")
# A "word" for the bench: a run of letters/digits (str.isalnum) once IGNORE_RE chars
# are deleted. Everything else (punctuation, symbols, '_', tabs, newlines) separates.
_NONWORD_RE = re.compile(r"[\W_]+")


def tokens(text):
    """Words of text in order: ignore-chars deleted, split on non-alphanumerics, Latin lowercased."""
    return [t for t in _NONWORD_RE.split(IGNORE_RE.sub("", text).lower()) if t]


def sanitize_query(text):
    """The words of a query joined by single spaces. Both peers get this string, so
    neither sees punctuation or query-syntax characters (quotes, -, |, *, ...)."""
    return " ".join(tokens(text))


# Arabic function words (prepositions, pronouns, particles, auxiliaries, demonstratives,
# relatives, question words) in the spellings news headlines and questions use, with the
# common و/ف-prefixed forms. Deliberately short: it only decides which headline words are
# "content words" for the derived query sets; no peer is configured with it.
STOP_WORDS = frozenset("""
في فى من على علي إلى الى الي إلي عن مع منذ حتى خلال حول ضد دون نحو لدى لدي تحت فوق أمام امام
وراء بين بعد قبل عند عندما عبر سوى غير لكن لكنه لكن ولكن بل ثم أو او أم ام إذا اذا إذ اذ إن ان
أن إنه انه أنه أنها انها إنها إلا الا كما كان كانت يكون تكون كانوا يكونوا ليس ليست قد لقد لم لن
لا ما ماذا متى أين اين كيف كم لماذا هل أي اي أية اية التي التى الذي الذى الذين اللذان اللتان اللواتي
هذا هذه هذي ذلك تلك هؤلاء هاتان هذان أولئك اولئك هو هي هم هن هما نحن أنا انا أنت انت أنتم انتم
له لها لهم لهن به بها بهم فيه فيها فيهم منه منها منهم عليه عليها عليهم إليه اليه إليها اليها عنه عنها
وفي وفى ومن وعلى وإلى والى وعن ومع وأن وان وإن وهو وهي وهم وقد ولا ولم ولن وما وكان وكانت
فقد فإن فان فهو فهي فلا فما ثمة هناك هنا أيضا ايضا أيضاً كل بعض كلا جميع أحد احد إحدى احدى
يا عليك ذات ذو ذي أكثر اكثر أقل اقل جدا جداً تم يتم وتم حيث بينما مثل وفق وفقا لدى أما اما
""".split())


def content_words(text, min_len=3):
    """Words of text that are not stop words, have >= min_len characters and are not all
    digits; duplicates dropped, first occurrence kept, in text order."""
    out, seen = [], set()
    for t in tokens(text):
        if len(t) < min_len or t.isdigit() or t in STOP_WORDS or t in seen:
            continue
        seen.add(t)
        out.append(t)
    return out
