"""The 23 languages of the classic API (contract §4.8, §8).

A fixed table, exactly the recorded `languages.xml` (names, codes, ids, order), not derived
from v2 `/languages`: there `sl` is 223 and the names differ, and clients validate language
codes against this very list (tvdb_api, pytvdbapi).
"""

from __future__ import annotations

# (abbreviation, name, id) in the recorded order (ids sorted as text: 10, 11, 13 ... 7, 8, 9).
LANGUAGES: list[tuple[str, str, int]] = [
    ("da", "Dansk", 10),
    ("fi", "Suomeksi", 11),
    ("nl", "Nederlands", 13),
    ("de", "Deutsch", 14),
    ("it", "Italiano", 15),
    ("es", "Español", 16),
    ("fr", "Français", 17),
    ("pl", "Polski", 18),
    ("hu", "Magyar", 19),
    ("el", "Ελληνικά", 20),
    ("tr", "Türkçe", 21),
    ("ru", "русский язык", 22),
    ("he", " עברית", 24),  # the leading space is in the recording
    ("ja", "日本語", 25),
    ("pt", "Português", 26),
    ("zh", "中文", 27),
    ("cs", "čeština", 28),
    ("sl", "Slovenski", 30),
    ("hr", "Hrvatski", 31),
    ("ko", "한국어", 32),
    ("en", "English", 7),
    ("sv", "Svenska", 8),
    ("no", "Norsk", 9),
]
CODES = frozenset(code for code, _, _ in LANGUAGES)
BY_CODE = {code: (name, language_id) for code, name, language_id in LANGUAGES}
ENGLISH = "en"
