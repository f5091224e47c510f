"""Korean text that reads right: particles (조사) chosen by 받침, and people's names in Korean order.

No library was used for the particles: pyjosa refuses anything that does not end in Hangul
(receipt numbers, "SMS"), and korean-glue writes "51으로" (1 is read 일, which ends in ㄹ) and
"F과" (F is read 에프).
"""

from django.conf import settings

# Each particle pair: (after a final consonant, after a vowel).
PAIRS = {
    "은": ("은", "는"),
    "이": ("이", "가"),
    "을": ("을", "를"),
    "과": ("과", "와"),
    "으로": ("으로", "로"),
    "이나": ("이나", "나"),
    "이라는": ("이라는", "라는"),
}
ALIASES = {vowel: consonant for consonant, (_, vowel) in PAIRS.items()}
ALIASES |= {"(으)로": "으로", "은(는)": "은", "이(가)": "이", "을(를)": "을", "과(와)": "과"}

NO_FINAL, FINAL, FINAL_RIEUL = "none", "final", "rieul"
# How a digit is read at the end of a number: 일(ㄹ) 이 삼(ㅁ) 사 오 육(ㄱ) 칠(ㄹ) 팔(ㄹ) 구; a final
# 0 is read 영/공 or as 십·백·천·만 — all with a final that is not ㄹ.
DIGITS = {
    "0": FINAL,
    "1": FINAL_RIEUL,
    "2": NO_FINAL,
    "3": FINAL,
    "4": NO_FINAL,
    "5": NO_FINAL,
    "6": FINAL,
    "7": FINAL_RIEUL,
    "8": FINAL_RIEUL,
    "9": NO_FINAL,
}
# Latin letters read by their names, as acronyms are (SMS 에스엠에스, URL 유알엘): 엘·알 end in ㄹ,
# 엠·엔 in another final, every other name in a vowel.
LETTERS = {"L": FINAL_RIEUL, "R": FINAL_RIEUL, "M": FINAL, "N": FINAL}
CLOSERS = "\"'”’」』》〉)]}"


def ending(word: str) -> str | None:
    """How the word's last sound ends, or None if it cannot be told (empty, symbols only)."""
    text = str(word).rstrip().rstrip(".,!?…~ ")
    while text and text[-1] in CLOSERS:
        if text[-1] == ")" and "(" in text:  # "서산시(충남)" reads as "서산시"
            text = text[: text.rindex("(")].rstrip()
        else:
            text = text[:-1].rstrip()
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        final = (ord(last) - ord("가")) % 28
        return NO_FINAL if final == 0 else FINAL_RIEUL if final == 8 else FINAL
    if last in DIGITS:
        return DIGITS[last]
    if last.isascii() and last.isalpha():
        return LETTERS.get(last.upper(), NO_FINAL)
    return None


def josa(word, particle: str) -> str:
    """The form of `particle` (any of its forms: "을", "를", "(으)로" …) that follows `word`."""
    key = ALIASES.get(particle, particle)
    with_final, without_final = PAIRS[key]
    sound = ending(word)
    if sound is None:
        return f"{with_final}({without_final})" if key != "으로" else "(으)로"
    if key == "으로" and sound == FINAL_RIEUL:
        return without_final  # 서울로, 2026-000051로
    return with_final if sound in {FINAL, FINAL_RIEUL} else without_final


def with_josa(word, particle: str) -> str:
    return f"{word}{josa(word, particle)}"


def person_name(family: str, given: str) -> str:
    """A person's name in the order the city configures: 성명 순서 (최도로) by default."""
    family, given = (family or "").strip(), (given or "").strip()
    if settings.ONTONG_NAME_ORDER == "given_family":
        return " ".join(part for part in (given, family) if part)
    return f"{family}{given}"


def staff_for_citizens(user) -> str:
    """How an official is named to citizens: '최도로 주무관' (the title is a setting). An account
    without a name is '담당 주무관', never its login name."""
    title = settings.ONTONG_STAFF_TITLE
    name = user.get_full_name()
    if not name:
        return f"담당 {title}" if title else "담당자"
    return f"{name} {title}" if title else name
