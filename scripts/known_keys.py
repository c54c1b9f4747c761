"""Write the baked project's known_keys.txt from the public flask-unsign wordlist.

Run after a new flask-unsign-wordlist release, and whenever a rule of
strength.py changes:
    python -m pip install flask-unsign flask-unsign-wordlist zxcvbn
    python scripts/known_keys.py
An argument writes the file elsewhere (the template tests compare the two).
Only keys that pass the rules of strength.py are listed: the rules already
reject the rest. Entries are read by flask-unsign's own reader (as Python
literals where they parse), so they are the keys the tool tries. Beside
them: the digests (MD5, SHA-1, SHA-2; hex and base64) of the words people
"hash something" from: the wordlist's entries made of common and placeholder
words, those words themselves, and the most common passwords (zxcvbn's list).
"""

import base64
import hashlib
import importlib.metadata
import itertools
import re
import sys
from pathlib import Path

import flask_unsign_wordlist
from flask_unsign.helpers import wordlist
from zxcvbn.frequency_lists import FREQUENCY_LISTS

TEMPLATE = Path(__file__).resolve().parent.parent
SECRET = TEMPLATE / "{{cookiecutter.project_slug}}/{{cookiecutter.project_slug}}/secret"

# keys printed in docs and tutorials; each is also in the wordlist today
PUBLISHED = [
    "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",  # Flask docs
    "d5fb8c4fa8bd46638dadc4e751e0d68d",  # a tutorial that hard-codes it
]


def read_wordlist():
    """Return the wordlist's entries as text, read by flask-unsign's own
    reader (a bytes entry that is not UTF-8 cannot be set as a key)."""
    with wordlist(flask_unsign_wordlist.get()) as entries:
        keys = []
        for key in entries:
            if isinstance(key, bytes):
                try:
                    key = key.decode("utf-8")
                except UnicodeDecodeError:
                    continue
            if isinstance(key, str):
                keys.append(key)
        return keys


COMMON_PASSWORDS = 500  # the most common, from zxcvbn's ranked list
# the digests tutorials reach for; SHA-224 and SHA-384 would add 100 KB
DIGESTS = ["md5", "sha1", "sha256", "sha512"]
# the words of strength.py's patterns, spelled out
SPELLED = {
    "change.?me": ["changeme", "change-me", "change_me", "change me"],
    "passw(?:or)?d": ["password", "passwd"],
    "your.?key": ["yourkey", "your-key", "your_key", "your key"],
}


def seed_words(strength, keys):
    """Return the words whose digests people use as keys: every word of
    strength.py's lists, the wordlist's entries made of such words (with
    three letters in a row at least), and the most common passwords."""
    words = {""}
    for pattern in [*strength.PLACEHOLDER_WORDS, *strength.OTHER_WORDS]:
        words.update(SPELLED.get(pattern, [pattern]))
    # words and short numbers ("secret123"), joined or apart
    number = r"(?<!\d)\d{1,4}(?!\d)"
    pieces = "|".join([*strength.PLACEHOLDER_WORDS, *strength.OTHER_WORDS, number])
    made_of_words = re.compile(rf"(?:(?:{pieces})[-_ .]?)+")
    words.update(
        k
        for k in keys
        if len(k) <= 40 and made_of_words.fullmatch(k) and re.search("[A-Za-z]{3}", k)
    )
    words.update(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS])
    return words


def digest_texts(word):
    """Return the hex and base64 (no padding) forms of each digest of `word`."""
    for name in DIGESTS:
        digest = hashlib.new(name, word.encode("utf-8")).digest()
        yield digest.hex()
        yield base64.b64encode(digest).decode("ascii").rstrip("=")


def main(argv):
    # strength.py has no Jinja: import it as is, leaving no __pycache__ to bake
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(SECRET))
    import strength

    def needs_the_list(key):
        """Tell whether the key, or a variant the guard looks up (another
        case, reversed), passes the rules that need no list."""
        variants = (key, key.lower(), key.upper(), key.swapcase(), key[::-1])
        return any(strength.rule_problem(v) is None for v in variants)

    keys = [*read_wordlist(), *PUBLISHED]
    prints = {strength.fingerprint(k) for k in keys if needs_the_list(k)}
    seeds = seed_words(strength, keys)
    digests = itertools.chain.from_iterable(map(digest_texts, seeds))
    digest_prints = {strength.fingerprint(d) for d in digests} - prints
    version = importlib.metadata.version("flask-unsign-wordlist")
    header = (
        "# SHA-256 prefixes of public keys, case-folded, that pass strength.py's\n"
        "# other rules,"
        f" from flask-unsign-wordlist {version} and keys printed in docs, and\n"
        f"# of the digests of {len(seeds)} common and placeholder words;\n"
        "# written by scripts/known_keys.py in the template repository.\n"
    )
    target = Path(argv[1]) if len(argv) > 1 else SECRET / "known_keys.txt"
    lines = sorted(prints | digest_prints)
    target.write_text(header + "".join(f"{p}\n" for p in lines), "ascii")
    print(
        f"{target.name}: {len(prints)} of {len(keys)} keys need the list, "
        f"and {len(digest_prints)} digests of {len(seeds)} words"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
