"""What refill a service promises, read from its name and description.

The API v2 `services` answer says only whether a service can be refilled at all
(`refill`), never for how long: panels write the promise into the service's name
("Instagram Followers [Refill 30D]", "TikTok Followers | R30", "Lifetime Refill",
"No Refill") and sometimes its `desc` ("Refill: 30 days"), in the panel's language.
`refill_guarantee` reads that promise into a RefillGuarantee: a period in days, a
lifetime, or explicitly no refill. It answers None when the text promises nothing it
can read for sure: it never guesses. docs/refill-guarantees.md lists the catalogue
names surveyed, with their sources; tests/api/test_guarantee.py holds them as data.

How a text is read:

- Only a period tied to a refill or guarantee word counts ("30 Days Refill",
  "Refill: 30D", "Гарантия 30 дней", "ضمان 30 يوم", "R30"). A number alone is a
  quantity ("1000 Followers", "Max 1M"), a speed ("30K/Day") or a subscription length
  ("Auto Likes [30 Days]"), never a refill period; "1M" is a million, never a month.
- Days, weeks (7 days), months (30 days) and years (365 days) are read; hours and
  minutes are not refill periods ("Auto Refill Every 24 Hours" is how often).
- A range promises its shortest end ("15-30 Days" is 15 days), and so does a text
  that states several periods: the promise is what every reading grants.
- A stated period or lifetime outweighs a "no refill" in the same text, which is then
  a condition ("After 30 days, no refill"). A "no refill" followed by "if ..." is a
  condition too, unless the condition is the drop itself ("No Refill if Drop").
- A drop claim ("Non Drop", "No Drop", "0% Drop", "Без списаний") is not a refill
  promise: it gives None unless the text also states a refill. So do "Auto Refill",
  "Refill Button", a lone "♻️" (the refill button's sign, also used for shares) and a
  bare "Lifetime" or "Guaranteed": the service may refill, for an unknown period.
  Next to a period, "♻️" is a refill word ("♻️ 30 days").
- The name is read first; the description only when the name says nothing.
- "Lifetime" is what the panel says it is (some panels define it as 365 days): it is
  returned as a lifetime, not turned into a number.
- Periods above MAX_REFILL_DAYS are not believed (None); a period of 0 is no refill.

Everything a panel sends is untrusted: the text is only matched, never interpreted as
markup, and at most MAX_TEXT_LENGTH characters of each text are read.
"""

# The patterns spell catalogue words in their own scripts (a Cyrillic a, a Turkish
# dotless i, the dashes panels write): letters that only look Latin are meant.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
import math
import re
from typing import Final
import unicodedata

# Ten years: no panel promises more; a larger number is a quantity misread.
MAX_REFILL_DAYS: Final = 3650
# Longer than any real service description; bounds the work on untrusted text.
MAX_TEXT_LENGTH: Final = 10_000


class RefillTerm(StrEnum):
    """What a service promises about refills."""

    DAYS = "days"
    LIFETIME = "lifetime"
    NO_REFILL = "no_refill"


@dataclass(frozen=True, slots=True)
class RefillGuarantee:
    """The refill a service promises: for some days, for life, or none."""

    term: RefillTerm
    days: int | None = None

    def __post_init__(self) -> None:
        """Check that a period, and only a period, has a sensible number of days."""
        if self.term is not RefillTerm.DAYS:
            if self.days is not None:
                raise ValueError(f"A {self.term} guarantee has no days")
        elif self.days is None or not 1 <= self.days <= MAX_REFILL_DAYS:
            raise ValueError(f"A refill period is 1 to {MAX_REFILL_DAYS} days")


LIFETIME_REFILL: Final = RefillGuarantee(RefillTerm.LIFETIME)
NO_REFILL: Final = RefillGuarantee(RefillTerm.NO_REFILL)


def refill_guarantee(
    name: str, description: str | None = None
) -> RefillGuarantee | None:
    """Return the refill a service's name (or else description) promises, if stated."""
    found = _read(name)
    if found is None and description:
        found = _read(description)
    return found


# The vocabulary, in the normalized text (NFKC, casefolded, single spaces). Each list
# holds English, the languages of the surveyed catalogues (pt, es, id, tr, ru, ar, vi),
# then Hindi, Persian and the integration's other languages (de, fr, it, nl, pl).
_DAY = (
    r"d|days?|dias?|días?|hari|g[uü]n|дн(?:ей|я)?|день|сут(?:ок|ки)?|يوما|يوم|[أا]يام"
    r"|ngày|ngay|दिन|روزه|روز|tage?n?|jours?|giorni|dagen|dni"
)
_WEEK = (
    r"w|wks?|weeks?|semanas?|minggu|haftal[ıi]k|hafta|недел[ьяи]|нед|[أا]سابيع"
    r"|[أا]سبوع|tuần|tuan|सप्ताह|हफ़्ते|हफ्ते|هفته|wochen?|semaines?|settimane?"
    r"|weken|tygodni[e]?"
)
_MONTH = (
    r"mos?|months?|mes(?:es)?|mês|bulan|ay|месяц(?:а|ев)?|мес|[أا]شهر|شهور|شهرا?"
    r"|tháng|thang|महीन[ेा]|माह|ماه|monate?|mois|mesi|mese|maanden|maand"
    r"|miesi[ąę]c[ey]?|miesięcy"
)
_YEAR = (
    r"yrs?|years?|anos?|años?|tahun|y[ıi]l|год(?:а)?|лет|سنوات|سنة|سنه|عام|năm|nam"
    r"|साल|वर्ष|سال|jahre?|ans|années?|anni|anno|jaar|jaren|rok|lata|lat"
)
_PERIOD = (
    r"(?<![\d.,])(?P<count>\d{1,5})(?:[ ]?(?:[-–—~]|to)[ ]?(?P<upto>\d{1,5}))?\+?"
    rf"[ \-]?(?:(?P<days>{_DAY})|(?P<weeks>{_WEEK})|(?P<months>{_MONTH})"
    rf"|(?P<years>{_YEAR}))(?![^\W_])"
)
# Arabic fastens "with", "and", "the" to the word: بضمان, والتعويض, الضمان.
_ARABIC_PREFIX = r"(?:ب|و|ل)?(?:ال)?"
_REFILL = (
    r"re-?fill?(?:s|ed|ing)?|reposi[cç][aã]o|reposici[oó]n|isi ulang|telafi(?:li)?"
    rf"|(?:авто)?докрутк\w*|рефилл?\w*|восстановлени\w*|{_ARABIC_PREFIX}(?:تعويض|ريفيل)"
    r"|र[िी]फिल|ریفیل|nachfüllung|♻"
)
_GUARANTEE = (
    r"gu?a?r[ae]nt(?:ee|ie|e|y)?d?|warrant(?:y|ed)|garanti(?:[ae]|li)?|garantía"
    r"|garantid[ao]|garantizad[ao]|garanzia|garansi|bergaransi|гаранти\w*"
    rf"|{_ARABIC_PREFIX}(?:ضمان|مضمون)|bảo hành|bao hanh|गारंटी|वारंटी|گارانتی|ضمانت"
    r"|gwarancj\w*"
)
_KEYWORD = rf"(?:auto[ \-]?)?(?:{_REFILL}|{_GUARANTEE})(?![^\W\d_])"
# "Refill Guarantee", "Garansi: isi ulang", "ضمان تعويض": one promise in several words.
_KEYWORDS = rf"(?<![^\W\d_]){_KEYWORD}(?:[ :/&+\-]{{0,3}}{_KEYWORD}){{0,2}}"
# Between a promise word and its period: punctuation, and at most one small word.
_LINK = (
    r"of|for|period|time|up to|within|de|da|do|di|du|selama|на|в течение|لمدة|مدة"
    r"|की|का|के|yes|sí|sim|ya|да|نعم|có|evet|auto|automatic|automática|automático"
    r"|otomatis|автоматически|tự động|تلقائي"
)
_SEPARATOR = rf"[ :=\-–—.]{{0,4}}(?:(?:{_LINK})[ :\-]{{1,3}})?"
_LIFETIME = (
    r"life[ \-]?time|lifelong|forever|vital[ií]ci[ao]|de por vida|para sempre"
    r"|seumur hidup|selamanya|[öo]m[üu]r boyu|пожизненн\w*|навсегда|бессрочн\w*"
    r"|مد[ىي] الحياة|trọn đời|vĩnh viễn|आजीवन|مادام العمر|lebenslang\w*|à vie|a vita"
    r"|levenslang|dożywotni\w*|∞|♾"
)
# Before a promise word, these deny it ("No Refill 30 days" promises nothing).
_DENIED = re.compile(
    r"(?<![^\W\d_])(?:no|non|not|without|zero|sem|sin|tanpa|без|بدون|بلا|غير|không"
    r"|बिना|ohne|keine?|sans|senza|geen|bez)[ \-_:]{0,2}$"
)
# After "no refill", these make it a condition ("No refill if you go private"),
# unless the condition is the drop itself: "No Refill if Drop" is no refill.
_CONDITION = re.compile(
    r"[ :,.\-]{0,3}(?:if|when|after|in case|unless|jika|kalau|kalo|apabila|se|si"
    r"|caso|если|при|إذا|اذا|لو|nếu|अगर|eğer|falls|wenn|jeśli|als)(?![^\W\d_])"
    r"(?![ ](?:(?:the|it|any|order|followers|likes|views) ){0,2}drop)"
)

# Each pattern with the catalogue wording it reads (sources: docs/refill-guarantees.md).
_PERIOD_PATTERNS: Final = (
    # "R30", "R365", "AR30" (auto-refill): hypersmm's legend, Indonesian panel dumps.
    re.compile(r"(?<![^\W_])a?r(?P<count>\d{1,4})(?![^\W_])"),
    # "Refill 30 Days", "Refill: 30D", "Гарантия 30 дней", "ضمان 30 يوم",
    # "bảo hành 30 ngày", "reposición automática 30 días", "تعويض لمدة 6 أشهر".
    re.compile(rf"{_KEYWORDS}{_SEPARATOR}{_PERIOD}"),
    # "30 Days Refill", "30D Refill", "30 Gün Garantili", "30 days refill guarantee".
    re.compile(rf"{_PERIOD}{_SEPARATOR}{_KEYWORDS}"),
    # "[REFILL 30]": a bracket of a promise word and a number means days, as R30.
    re.compile(rf"[\[(][ ]?{_KEYWORDS}[ :\-]{{0,3}}(?P<count>\d{{1,3}})[ ]?[\])]"),
    # "[ 120 - Lifetime Refill ]": a range from days to life promises the days.
    re.compile(
        rf"(?<![\d.,])(?P<count>\d{{1,5}})[ ]?[-–—~][ ]?(?:{_LIFETIME})[ :\-]{{0,3}}"
        rf"{_KEYWORD}"
    ),
)
_LIFETIME_PATTERNS: Final = (
    # "R∞": hypersmm's legend for a lifetime refill.
    re.compile(r"(?<![^\W_])a?r[ ]?(?:∞|♾)"),
    # "Lifetime Refill", "Life-timeRefill", "Lifetime Guarantee" in mathematical bold,
    # "आजीवन रिफिल".
    re.compile(rf"(?<![^\W\d_])(?:{_LIFETIME})[ :\-]{{0,3}}{_KEYWORD}"),
    # "Refill - Lifetime", "Guarantee: Yes Lifetime", "Garantia Vitalícia",
    # "ضمان مدى الحياة", "Гарантия навсегда".
    re.compile(rf"{_KEYWORDS}{_SEPARATOR}(?:{_LIFETIME})"),
)
_NO_REFILL_PATTERNS: Final = (
    # "No Refill", "Non Refil", "non-refill", "No Guaranteed", "Non-Guaranteed",
    # "Without Warranty": English, the most common wording.
    re.compile(
        r"(?<![^\W\d_])(?:no|non|not|without|zero)[ \-_]?(?:re-?fill?|guarantee[sd]?"
        r"|warranty)(?![^\W\d_])"
    ),
    # "Refill: No", "Refill: None", "Refill: No Refill if Drop": descriptions.
    re.compile(r"(?<![^\W\d_])re-?fill?[ ]?[:=][ ]?(?:no|none|disabled)(?![^\W\d_])"),
    # "NR" for non-refill, but not "Nr." or "Nr 5" (number in German and Polish).
    re.compile(r"(?<![^\W_])nr(?![^\W_])(?!\.?[ ]?\d)"),
    # Portuguese and Spanish: "Sem Reposição", "Sem garantia", "Sin reposición".
    re.compile(r"(?:sem|sin) (?:reposi[cç][aã]o|reposici[oó]n|garant[ií]a|re-?fill?)"),
    # Russian: "Без гарантии", "Без гарантий", "без восстановления".
    re.compile(r"без (?:гаранти\w*|рефилл?\w*|докрутк\w*|восстановлени\w*)"),
    # Arabic: "بدون ضمان", "بدون تعويض", "غير مضمون".
    re.compile(r"(?:بدون|بلا|من غير|غير) ?(?:ال)?(?:ضمان|تعويض|مضمون)"),
    # Indonesian: "Tanpa Garansi", "No Garansi", "tanpa jaminan isi ulang".
    re.compile(r"(?:tanpa|tidak ada|no|non) (?:jaminan )?(?:garansi|isi ulang)"),
    # Turkish: "Garantisiz", "Telafisiz", "Garanti yok".
    re.compile(r"garantisiz|telafisiz|garanti yok|telafi yok"),
    # Vietnamese: "không bảo hành".
    re.compile(r"không (?:bảo hành|bao hanh)"),
    # Hindi: "बिना रिफिल", "रिफिल नहीं".
    re.compile(r"(?:बिना|नो) (?:र[िी]फिल|गारंटी|वारंटी)|(?:र[िी]फिल|गारंटी|वारंटी) नहीं"),
    # Persian: "بدون گارانتی".
    re.compile(r"بدون ?(?:گارانتی|ریفیل|ضمانت)"),
    # German, French, Italian, Dutch, Polish: "ohne Garantie", "sans garantie".
    re.compile(
        r"(?:ohne|keine?|sans|senza|geen|bez) (?:garantie|garanzia|gwarancji"
        r"|nachfüllung|re-?fill?)"
    ),
)
_UNIT_DAYS: Final = (("weeks", 7), ("months", 30), ("years", 365))


def _read(text: str) -> RefillGuarantee | None:
    """Return the refill one text promises, if it states one."""
    normalized = _normalize(text[:MAX_TEXT_LENGTH])
    shortest = min(_promised_days(normalized), default=None)
    if shortest is None:
        return NO_REFILL if _denies_refill(normalized) else None
    if shortest == 0:
        return NO_REFILL
    if math.isinf(shortest):
        return LIFETIME_REFILL
    if shortest > MAX_REFILL_DAYS:
        return None
    return RefillGuarantee(RefillTerm.DAYS, int(shortest))


def _normalize(text: str) -> str:
    """Return the text as the patterns read it: plain letters, lower case, one space.

    NFKC turns styled letters (mathematical bold, fullwidth) into plain ones; casefolding
    leaves the combining dot of Turkish "İ", which is dropped, as are Arabic vowel
    marks, the tatweel and the selector that makes "♻" an emoji.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"[\u0307\u064b-\u0652\u0640\ufe0f]", "", folded)
    return re.sub(r"\s+", " ", folded)


def _promised_days(text: str) -> Iterator[float]:
    """Yield each period the text promises, in days; a lifetime is infinite."""
    for pattern in _PERIOD_PATTERNS:
        for match in pattern.finditer(text):
            if _is_denied(text, match.start()):
                continue
            count = int(match["count"])
            if upto := match.groupdict().get("upto"):
                count = min(count, int(upto))
                if count == 0:
                    continue  # "0-30 days" promises no day for sure
            factor = next(
                (days for unit, days in _UNIT_DAYS if match.groupdict().get(unit)), 1
            )
            yield count * factor
    for pattern in _LIFETIME_PATTERNS:
        for match in pattern.finditer(text):
            if not _is_denied(text, match.start()):
                yield math.inf


def _is_denied(text: str, start: int) -> bool:
    """Return whether the promise starting at `start` is denied by the word before."""
    return _DENIED.search(text, max(0, start - 12), start) is not None


def _denies_refill(text: str) -> bool:
    """Return whether the text states, not as a mere condition, that there is none."""
    return any(
        not _CONDITION.match(text, match.end())
        for pattern in _NO_REFILL_PATTERNS
        for match in pattern.finditer(text)
    )
