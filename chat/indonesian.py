"""Indonesian as it is written to a chat with English nouns mixed in ("Berapa total revenue tiket
di X bulan lalu?", "Tiket VIP yang terjual di X tahun lalu ada berapa?"): its question words,
periods, linkers and the few words of selling, as the English words meant; the sentence order is
left as written (the planner reads words, not their order). Read only in a message with an
Indonesian word of its own (`_INDONESIAN_WORD`): "di", "ya" or "dan" are other languages' too.
Pure."""

from __future__ import annotations

import re

from chat.rewrites import compiled, rewrite

_INDONESIAN_WORD = re.compile(
    r"\b(?:berapa|tiket|tiketnya|terjual|bulan|tahun|tolong|permisi|terima kasih|konser|kuartal|rata-rata"
    r"|dibanding|siapa|artis|setelah|dihitung|kalian)\b",
    re.IGNORECASE,
)
# "2 tahun lalu", "tiga bulan lalu": 2 years, 3 months ago (not last year, last month)
_NUMBERS = {"dua": "2", "tiga": "3", "empat": "4", "lima": "5", "enam": "6"}
_UNITS = {"tahun": "years", "bulan": "months", "minggu": "weeks", "hari": "days"}


_INDONESIAN = (
    (r"^\s*(?:permisi|halo|hai|oke|ok)\b(?:\s+(?:pak|bu|kak|mas|mbak))?[,!.]?\s*", ""),
    (r"^\s*(?:mau tanya|boleh tanya)\b:?\s*", ""),
    (r"[,.]?\s*\bterima kasih\b(?: banyak)?[.!]?", ""),
    (r"[,.]?\s*\b(?:ya|yah|dong|deh)\b(?:,?\s*(?:pak|bu|kak|mas|mbak))?(?=\s*(?:[?.!,-]|$))", ""),
    (r",?\s*\b(?:pak|bu|kak|mas|mbak)\b(?=\s*[?.!,])", ""),
    (r"\.?\s*\bsemua venue di kota itu\b", ""),
    (r"\s*\bdi database kalian\b|\s*\bdi data kalian\b", ""),
    (r"\byang cancell?ed tidak dihitung\b", "cancelled ones not counted"),
    (r"\bdua-duanya\b|\bkeduanya\b", "both"),
    (r"\byang kedua(?: itu)?\b", "the second one"),
    (r"\byang pertama(?: itu)?\b", "the first one"),
    (r"\bkalau (.+?) gimana\b", r"what about \1"),
    (r"\bdua artis yang sama\b", "the same two artists"),
    (r"\bartis dengan genre (\w+)", r"\1 artists"),
    (r"\bjuga\b", "too"),
    (r"\bberapa total\b", "what is the total"),
    (r"\b(?:total )?revenue tiket(?:nya)?\b", "ticket revenue"),
    (r"\brevenue(?= tiketnya\b)", ""),
    (r"\btiket (vip|floor|upper|lower)\b", r"\1 tickets"),
    (r"\b(?:rata-rata|rerata) harga tiket\b", "average ticket price"),
    (r"\bharga tiket\b", "ticket price"),
    (r"\bkonser berikutnya\b", "next concert of"),
    (r"\bartis siapa\b", "which artist"),
    (r"\bsiapa yang\b", "who"),
    (r"\bjual tiket lebih banyak\b", "sold more tickets"),
    (r"\bsemua\b", "all"),
    (r"\borang\b", "people"),
    (r"\bdatang\b", "came"),
    (r"\btolong kasih\b|\btolong berikan\b|\bkasih\b", "give"),
    (r"\bada berapa\b|\bberapa banyak\b", "how many"),
    (r"\bberapa\b", "how many"),
    (r"\b(?:rata-rata|rerata)\b", "average"),
    (r"\bharga\b", "price"),
    (r"\bdibagi\b", "divided by"),
    (r"\bjumlah\b", "number of"),
    (r"\bjumlahnya\b", "amount"),
    *(
        (rf"\b{word} (?=(?:tahun|bulan|minggu|hari) (?:yang )?lalu\b)", f"{n} ")
        for word, n in _NUMBERS.items()
    ),
    *((rf"\b(\d+) {unit} (?:yang )?lalu\b", rf"\1 {english} ago") for unit, english in _UNITS.items()),
    (r"\b([\w-]+(?: [\w-]+)?) tidak dihitung\b", r"not counting \1"),
    (r"\bbulan lalu\b", "last month"),
    (r"\bbulan ini\b", "this month"),
    (r"\btahun lalu\b", "last year"),
    (r"\btahun ini\b", "this year"),
    (r"\bminggu lalu\b", "last week"),
    (r"\bsetelah hari ini\b", "after today"),
    (r"\bhari ini\b", "today"),
    (r"\buntuk tahun\b", "for"),
    (r"\buntuk\b", "for"),
    (r"\bper kuartal\b", "per quarter"),
    (r"\bkuartal\b", "quarter"),
    (r"\bempat angka\b", "four figures"),
    (r"\bsatu\b", "one"),
    (r"\bpaling banyak\b", "the most"),
    (r"\blebih banyak\b", "more"),
    (r"\bsiapa\b", "who"),
    (r"\bberikutnya\b", "next"),
    (r"\bdibanding(?:kan)?\b", "versus"),
    (r"\blewat\b|\bmelalui\b", "via"),
    (r"\b(?:terjual|dijual|jual)\b", "sold"),
    (r"\btiket(?:nya)?\b", "tickets"),
    (r"\bkonser\b", "concerts"),
    (r"\bartis\b", "artist"),
    (r"\bpembeli\b", "buyers"),
    (r"\bdengan\b", "with"),
    (r"\bnama\b", "name"),
    (r"\bdan\b", "and"),
    (r"\batau\b", "or"),
    (r"\bdari\b", "from"),
    (r"\bdi\b", "in"),
    (r"\b(?:yang|itu|ini|ada|punya)\b\s*", ""),
)
_REWRITES = compiled(_INDONESIAN, flags=re.IGNORECASE)


def read(text: str) -> str:
    """The text with its Indonesian words as the English words meant (as written unless it holds
    two of its own: "tiket" alone is an English typo as often)."""
    return rewrite(_REWRITES, text) if len(set(_INDONESIAN_WORD.findall(text.lower()))) >= 2 else text
