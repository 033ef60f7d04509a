#!/usr/bin/env python3
"""Lists the keys of src/i18n/en.toml that another catalog lacks, with the English
text to translate, and the keys a catalog has that English does not.

    scripts/i18n_missing.py            # every catalog (zh-HK, zh-CN, …)
    scripts/i18n_missing.py zh-CN      # one
    scripts/i18n_missing.py --toml zh-CN > todo.toml
                                       # the missing entries as TOML to translate and
                                       # paste under their sections

Exits 1 when something is missing or extra, so it can gate a merge. Standard library
only (Python 3.11+ for tomllib).
"""

import re
import sys
import tomllib
from pathlib import Path

I18N = Path(__file__).resolve().parent.parent / "src" / "i18n"


def flatten(table, prefix=""):
    """{"a": {"b": "x"}} -> {"a.b": "x"}: keys as the code names them."""
    out = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def load(tag):
    with open(I18N / f"{tag}.toml", "rb") as file:
        return flatten(tomllib.load(file))


def placeholders(text):
    return sorted(re.findall(r"\{([^{}]*)\}", text))


def toml_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_toml(missing, en):
    """The missing keys grouped under their TOML sections, English as the value."""
    sections = {}
    for key in missing:
        section, _, name = key.rpartition(".")
        sections.setdefault(section, []).append(name)
    lines = []
    for section in sorted(sections):
        if section:
            lines.append(f"[{section}]")
        for name in sections[section]:
            key = f"{section}.{name}" if section else name
            lines.append(f"{name} = {toml_string(en[key])}")
        lines.append("")
    return "\n".join(lines)


def main(argv):
    as_toml_output = "--toml" in argv
    tags = [arg for arg in argv if not arg.startswith("-")]
    if not tags:
        tags = sorted(p.stem for p in I18N.glob("*.toml") if p.stem != "en")
    en = load("en")
    problems = 0
    for tag in tags:
        if not (I18N / f"{tag}.toml").exists():
            print(f"no catalog src/i18n/{tag}.toml", file=sys.stderr)
            return 2
        other = load(tag)
        missing = [key for key in en if key not in other]
        extra = sorted(key for key in other if key not in en)
        differing = [
            key
            for key in en
            if key in other and placeholders(en[key]) != placeholders(other[key])
        ]
        problems += len(missing) + len(extra) + len(differing)
        if as_toml_output:
            print(f"# {tag}: {len(missing)} missing, English text to translate")
            print(as_toml(missing, en))
            continue
        print(f"{tag}: {len(missing)} missing, {len(extra)} not in en, "
              f"{len(differing)} with other placeholders")
        for key in missing:
            print(f"  missing  {key} = {toml_string(en[key])}")
        for key in extra:
            print(f"  extra    {key}")
        for key in differing:
            print(f"  placeholders {key}: en {placeholders(en[key])}, "
                  f"{tag} {placeholders(other[key])}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
