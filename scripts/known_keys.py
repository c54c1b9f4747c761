"""Write the baked project's known_keys.txt from the public flask-unsign wordlist.

Run after a new flask-unsign-wordlist release:
    python -m pip install flask-unsign flask-unsign-wordlist
    python scripts/known_keys.py
An argument writes the file elsewhere (the template tests compare the two).
Only entries that pass the rules of strength.py are listed: the rules already
reject the rest. Entries are read by flask-unsign's own reader (as Python
literals where they parse), so they are the keys the tool tries.
"""

import importlib.metadata
import sys
from pathlib import Path

import flask_unsign_wordlist
from flask_unsign.helpers import wordlist

TEMPLATE = Path(__file__).resolve().parent.parent
SECRET = TEMPLATE / "{{cookiecutter.project_slug}}/{{cookiecutter.project_slug}}/secret"

# keys printed in docs and tutorials; each is also in the wordlist today
PUBLISHED = [
    "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",  # Flask docs
    "d5fb8c4fa8bd46638dadc4e751e0d68d",  # shared/seed/flask-secret-key-article.txt
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
    version = importlib.metadata.version("flask-unsign-wordlist")
    header = (
        "# SHA-256 prefixes of public keys, case-folded, that pass strength.py's\n"
        "# other rules,"
        f" from flask-unsign-wordlist {version} and keys printed in docs;\n"
        "# written by scripts/known_keys.py in the template repository.\n"
    )
    target = Path(argv[1]) if len(argv) > 1 else SECRET / "known_keys.txt"
    target.write_text(header + "".join(f"{p}\n" for p in sorted(prints)), "ascii")
    print(f"{target.name}: {len(prints)} of {len(keys)} keys need the list")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
