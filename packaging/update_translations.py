"""Keep the translation catalogues in step with the code.

    python packaging/update_translations.py          # update resources/i18n/*.ts, fill English plurals, compile .qm
    python packaging/update_translations.py --check  # exit 1 if a catalogue or .qm is stale (tests run this)

pyside6-lupdate reads every module of the package: `self.tr(...)` in widgets and services,
`QCoreApplication.translate(context, ...)`, and `QT_TRANSLATE_NOOP("core", ...)` templates the core
raises (chatapp/core/errors.py). Translations already in a .ts are kept; new messages arrive
unfinished for a translator. English has a catalogue of its plural forms only ("%n token(s)" →
"1 token", "2 tokens"), filled in here. The .qm files are what the app loads; they are committed so a
source checkout runs without Qt's tools, and --check fails when they no longer match the .ts files.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN",)
ENGLISH = "en"


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "chatapp").rglob("*.py"))


def tool(name: str) -> str:
    """A PySide6 console script: the one installed beside this Python (a virtual environment that is not
    activated is not on PATH), else whatever PATH has."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name) or name


def lupdate(ts: Path, plural_only: bool = False) -> None:
    args = [tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none",
            *(["-pluralonly"] if plural_only else []), *sources(), "-ts", str(ts)]
    subprocess.run(args, cwd=ROOT, check=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def fill_english_plurals(ts: Path) -> None:
    """"(s)" in a numerus source becomes "" for one and "s" for many (the only plural English needs)."""
    tree = ET.parse(ts)
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None or message.get("numerus") != "yes":
            continue
        for child in list(translation):
            translation.remove(child)
        for form in (re.sub(r"\(s\)", "", source), re.sub(r"\(s\)", "s", source)):
            ET.SubElement(translation, "numerusform").text = form
        translation.attrib.pop("type", None)
    tree.write(ts, encoding="utf-8", xml_declaration=True)


def update(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        lupdate(folder / f"chatapp_{lang}.ts")
    english = folder / f"chatapp_{ENGLISH}.ts"
    lupdate(english, plural_only=True)
    fill_english_plurals(english)
    for lang in (*LANGUAGES, ENGLISH):
        lrelease(folder / f"chatapp_{lang}.ts", folder / f"chatapp_{lang}.qm")


def messages(ts: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """(context, source) → translation forms ('' forms for unfinished ones)."""
    out = {}
    for context in ET.parse(ts).iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            unfinished = translation.get("type") in ("unfinished", "vanished", "obsolete")
            forms = [f.text or "" for f in translation.findall("numerusform")] or [translation.text or ""]
            out[(name, message.findtext("source") or "")] = tuple("" if unfinished else f for f in forms)
    return out


def _same_bytes(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and a.read_bytes() == b.read_bytes()


def check() -> list[str]:
    """Why the committed catalogues are stale ([] when they are not)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        for f in I18N.glob("*.ts"):
            shutil.copy(f, fresh / f.name)
        update(fresh)
        for lang in (*LANGUAGES, ENGLISH):
            name = f"chatapp_{lang}"
            committed, updated = I18N / f"{name}.ts", fresh / f"{name}.ts"
            if not committed.exists() or messages(committed) != messages(updated):
                problems.append(f"{committed.name} does not match the code's messages")
            elif not _same_bytes(I18N / f"{name}.qm", fresh / f"{name}.qm"):
                problems.append(f"{name}.qm is not compiled from {name}.ts")
        for lang in LANGUAGES:
            missing = [src for (ctx, src), forms in messages(fresh / f"chatapp_{lang}.ts").items() if not all(forms)]
            if missing:
                problems.append(f"chatapp_{lang}.ts has {len(missing)} untranslated messages, e.g. {missing[0]!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    if parser.parse_args().check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("Run: python packaging/update_translations.py (and translate what is new)", file=sys.stderr)
        return 1 if problems else 0
    update(I18N)
    return 0


if __name__ == "__main__":
    sys.exit(main())
