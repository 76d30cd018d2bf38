"""The window's language: which catalogue to load, and sentences from the core in that language.

Catalogues are Qt's: `resources/i18n/chatapp_<lang>.ts` (source, edited by translators, updated by
`python packaging/update_translations.py`) compiled to `.qm`. The language follows the system locale
unless the user picks one in the settings; a change applies when chatapp next starts (Qt widgets
take their text when they are built).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, Phrase

log = logging.getLogger(__name__)

# (setting value, name shown in the language menu: each in its own language)
LANGUAGES = (("system", QT_TRANSLATE_NOOP("LanguageBox", "System language")), ("en", "English"), ("zh_CN", "简体中文"))
CATALOGUE_PREFIX = "chatapp_"


def resolve(setting: str, system: QLocale | None = None) -> str:
    """The catalogue to use for a setting: 'system' follows the locale (any Chinese but Traditional
    scripts → zh_CN); anything without a catalogue is English."""
    if setting != "system":
        return setting if setting in {code for code, _ in LANGUAGES} else "en"
    locale = system or QLocale.system()
    if locale.language() == QLocale.Language.Chinese and locale.script() != QLocale.Script.TraditionalChineseScript:
        return "zh_CN"
    return "en"


def install(app: QCoreApplication, language: str, catalogues: Path) -> list[QTranslator]:
    """Load chatapp's catalogue for `language` (a resolved code) and Qt's own (standard dialogs'
    buttons). Returns the translators, which must stay referenced while the app runs."""
    catalogues_to_load = [(CATALOGUE_PREFIX + language, catalogues)]  # English: its plural forms only
    if language != "en":
        catalogues_to_load.append(("qtbase_" + language,
                                   Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))))
    installed = []
    for name, folder in catalogues_to_load:
        translator = QTranslator(app)
        if translator.load(name, str(folder)):
            app.installTranslator(translator)
            installed.append(translator)
        else:
            log.warning("no %s catalogue in %s; that part of the window stays in English", name, folder)
    return installed


def uninstall(app: QCoreApplication, translators: list[QTranslator]) -> None:
    for translator in translators:
        app.removeTranslator(translator)


def user_message(exc: KnownError) -> str:
    """The error's sentence in the window's language (its English sentence when it has no translation)."""
    return translate(exc.template, exc.values, str(exc))


def translate(template: str, values: dict[str, object], english: str) -> str:
    text = QCoreApplication.translate("core", template)
    try:
        filled = {k: translate(v.template, v.values, str(v)) if isinstance(v, Phrase) else v for k, v in values.items()}
        return text.format(**filled) if values else text
    except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: English it is
        log.warning("translation of %r has bad placeholders", template)
        return english
