"""The function words of the ways of English people write to the chat in besides the standard:
an archaic register ("how many tickets hath X sold ... unto December?"), the American South
("y'all", "folks", "darlin'"), Nigerian Pidgin ("abeg", "wetin be di ...", "wey dem sell"),
Taglish, Filipino mixed with English ("ilan po ang orders ...", "magkano", "ni X", "sa X"),
Hinglish, Hindi mixed with English ("pichle mahine X ke venues mein kitne tickets bike?"), and
Swahili ("Tiketi ngapi ziliuzwa kwenye X mwezi uliopita?");
read as the English words meant. Pure.

Only closed classes are read (pronouns, articles, linkers, question words, politeness, a few
verbs of being and having), in lower case unless the word can be no name ("Don", "Di", "Ni" or
"Sa" may be a name's: "Don Henley"), and the planner's own words (measures, periods, names) are
left as written, so what a question asks is still checked against the plan word by word. "Hindi po
kasama ..." ("not including") is read only with what it leaves out.
"""

from __future__ import annotations

import re

from chat import indonesian
from chat.rewrites import compiled, rewrite

_ARCHAIC = (
    (r"(?i)\b(?:prithee|i pray (?:thee|you)|pray(?= tell\b|,))\b,?\s*", ""),
    (r"[,;]?\s*\b(?:if (?:thou|you) wouldst|i pray thee|if it please (?:thee|you))\b[.!]?", ""),
    (r"(?i)\bgood (?:sir|madam|keeper of the records)\b,?\s*", ""),
    (r"\bthy\b|\bthine\b", "your"),
    (r"\bthou\b|\bthee\b", "you"),
    (r"(?i)\bhath\b", "has"),
    (r"\bdoth\b", "does"),
    (r"\bdidst\b", "did"),
    (r"\bdost\b", "do"),
    (r"(?i)\bunto\b", "to"),
    (r"\be'er\b", "ever"),
    (r"\bo'er\b", "over"),
    (r"\bkeepest\b", "keep"),
    (r"(?i)\bsouls\b", "people"),
    (r"\s*\b(?:of|in|across) (?:all )?the realm\b", ""),
    (r"\brealm's\s+", ""),
    (r"\bnot reckoned\b", "excluded"),
)
_SOUTHERN = (
    (r"(?i)\by'?all\b|\bya'll\b", "you"),
    (r"(?i)\bfolks\b", "people"),
    (r"(?i),?\s*\bdarlin'?(?=\W|$)", ""),
    (r"(?i)\bfixin'? to\b|\bfixing to\b", "going to"),
    (r"\bover in\b", "in"),
)
_PIDGIN = (
    (r"(?i)\b(?:abeg(?: o)?|oga(?: abeg)?)\b[,!]?\s*", ""),
    (r"(?i)\bwetin be\b", "what is"),
    (r"(?i)\bwetin\b", "what"),
    (r"(?i)\bmake you\b\s*", ""),
    (r"\s*\bmake i see\b", ""),
    (r"\bbreak am down\b", "break down"),
    (r"\bsell pass\b", "sold more"),
    (r"\breach how many\b", "how many"),
    (r"(?i)\bno count\b", "not counting"),
    (r"\b(?<=[a-z] )go (?=perform|play|sing|show)", "will "),
    (r"\bdi\b(?!')", "the"),
    (r"\bwey dey\b", "in"),
    (r"\bwey\b(?!')", "that"),
    (r"\bdem\b(?!')", "they"),
    (r"\bdon\b(?!')", "has"),
    (r"(?i)^\s*na\s+", ""),
)
# Jamaican Patois ("How much ticket dem sell fi X inna di first half a 2025?"): its plural "dem",
# pronouns, prepositions and verbs of selling; read only in a message with a word of its own
# (`_PATOIS_WORD`), since Nigerian Pidgin (above) reads "dem" and "di" otherwise.
_PATOIS_WORD = re.compile(r"\b(?:gwaan|inna|unu|nuh|pon|bredren|waan|gimme|fi di)\b", re.I)
_PATOIS = (
    (r"(?i)^\s*wh?a(?:h)? gwaan\b(?:,? bredren)?[!,.]?\s*|^\s*respect[.!]\s*", ""),
    (r"(?i),?\s*\bmi mean\b[.!]?", ""),
    (r"(?i)[.?]?\s*\bdi one dem weh did set fi start inna \d{4}\b[,.]?", "."),
    (r"(?i)\bweh genre unu file (.+?) under(?: inna di system)?(?=\s*[?.!]|$)", r"what genre is \1"),
    (r"(?i)\bhow much ticket dem sell\b", "how many tickets were sold"),
    (r"(?i)\bhow much (\w+?)s? get cancel\b", r"how many \1s were cancelled"),
    (r"(?i)\bday a di week\b", "day of the week"),
    (r"(?i)\b(half|quarter|month|year) a (?=\d{4}|di\b)", r"\1 of "),
    (r"(?i)\bdem sell\b", "they sold"),
    (r"(?i)\bdid sell\b", "sold"),
    (r"(?i)\bmi waan see\b|\bmi need\b|\bgimme\b", "give me"),
    (r"(?i)\brefund money\b", "refund amount"),
    (r"(?i)\bmoney come in\b", "revenue"),
    (r"(?i)\bweh (?:buy|bought)\b", "who bought"),
    (r"(?i)^\s*wha\b", "what"),
    (r"(?i)\bweh\b", "that"),
    (r"(?i)\bunu\b", "you"),
    (r"(?i)\bnuh\b", "not"),
    (r"(?i)\binna\b", "in"),
    (r"(?i)\bfi\b", "for"),
    (r"(?i)\bpon\b", "on"),
    (r"(?i)\bdat\b", "that"),
    (r"(?i)\bdis\b", "this"),
    (r"(?i)\ban\b", "and"),
    (r"(?i)\bdi\b", "the"),
    (r"(?i)\b(\w+?)s? dem\b", r"\1s"),  # "ticket dem", "orders dem": the plural
    (r"(?i)\bmost ticket\b", "most tickets"),
)
_TAGLISH = (
    (r"(?i)\b(?:hi|hello) po\b", "hi"),
    (r"(?i)\bask ko lang\b,?\s*", ""),
    (r"(?i)[,.!]?\s*\bsalamat(?: po)?\b[.!]?", ""),
    (r"(?i)\bpwede (?:po )?ba (?:makita|malaman)\b", "show me"),
    (r"(?i)\bpaki(?:bigay|sabi) (?:po )?(?:yung |ang )?", "give "),
    (r"(?i)\bhindi (?:po )?kasama (?:yung |ang )?(cancell?ed)\b", r"excluding \1"),
    (r"(?i)\bilan (?:na )?(?:po )?ang\b", "how many"),
    (r"(?i)\bilan\b", "how many"),
    (r"(?i)\bmagkano (?:po )?ang\b", "what is the"),
    (r"(?i)\bsaang mga\b|\bsaang\b", "which"),
    (r"(?i)\bsaan\b", "where"),
    (r"(?i)\bsino (?:po )?ang\b", "who had"),
    (r"(?i)\banong\b", "which"),
    (r"(?i)\bpinakamaraming\b", "most"),
    (r"\bnabenta\b", "sold"),
    (r"\bmas malaki\b", "more"),
    (r"\blahat ng\b", "all"),
    (r"\bngayong\b", "in"),
    (r"\bhanggang ngayon\b", "to date"),
    (r"\bpara sa\b", "for"),
    (r"\byung\b(?!')|\bang\b(?!')", "the"),
    (r"\bng dalawa\b", "of both"),
    (r"\bo si\b", "or"),
    (r"\b(?:po|mga|si)\b(?!')\s*", ""),
    (r"\bni\b(?!')", "for"),
    (r"\bsa\b(?!')", "at"),
    (r"\bng\b(?!')", "of"),
    (r"\bna\b(?!')\s*", ""),
)
# Hinglish: Hindi's postpositions after their noun ("X ke venues mein" is "in X's venues"), its
# question words and copulas, and the few verbs of selling and showing; a name is never read
_HINGLISH = (
    (r"(?i)^\s*(?:bhai|bhaiya|yaar|ji)\b[,!]?\s*", ""),
    (r"(?i)\bis saal ab tak\b", "this year so far"),
    (r"(?i)\bpichh?le (saal|mahine|hafte|quarter)\b", r"last \1"),
    (r"(?i)\bis (saal|mahine|hafte|quarter)\b", r"this \1"),
    (r"(?i)\bpichh?le (\w+) din\b", r"the last \1 days"),
    (r"\bsaal\b", "year"),
    (r"\bmahine\b|\bmahina\b", "month"),
    (r"\bhafte\b", "week"),
    (r"\bab tak\b", "so far"),
    (r"\bchaudah\b", "fourteen"),
    (r"\bsaat\b", "seven"),
    (r"\broz ka\b", "daily"),
    (r"\b(\w+) se ((?:[A-Z]\w+|\d{4})(?: \d{4})?) tak\b", r"from \1 to \2"),
    (r"\b(\w+) ko (\w+) se divide kar(?:ke|o|ein|en)\b", r"\1 divided by \2"),
    (r"(?i)\b((?:refund |sale |concert |start )?\w+) ke hisaab se\b", r"by \1"),
    (r"\bek bhi (\w+) nahi+ (?:hua|hue|hui|tha|thi|bika|bike)\b", r"no \1"),
    (r"(?i)\b(?:cancell?ed) wale (?:chhod ke|chhodke|mat gino|nahi)\b", "excluding cancelled ones"),
    (r"\b(?:sab|saare|sabhi) (\w+) mila ke\b", r"all \1 together"),
    (r"\bmila ke\b", "together"),
    (r"(?i)\bsabse (?:zyada|jyada)\b", "most"),
    (r"\bsabse kam\b", "fewest"),
    (r"\bsabse mehe?nga\b", "most expensive"),
    (r"\bsabse sasta\b", "cheapest"),
    (r"\bsabse achh?a\b", "best"),
    (r"\b(?:zyada|jyada)\b", "more"),
    (r"(?i)\bkitne\b", "how many"),
    (r"(?i)\bkitna\b|\bkitni\b", "how much"),
    (r"\bkaun ?se\b|\bkaun ?sa\b|\bkaunsi\b|\bkis\b", "which"),
    (r"(?i)\bkisne\b", "who"),
    (r"\bkahan\b", "where"),
    (r"\bagl[ae]\b", "next"),
    (r"\b(tickets?|tix) (?:bik[ae]|biki)\b", r"\1 sold"),
    (r"\bbech[ae]\b", "sold"),
    (r"\bkharid[ae]\b", "bought"),
    (r"\bkamaya\b", "earned"),
    (r"\baa?y[ae]\b", "came"),
    (r"\balag-alag\b", "different"),
    (r"\busi\b", "the same"),
    (r"(?i)\bdono\b", "both"),
    (r"\bnaam\b", "name"),
    (r"(?i)\bsirf\b|\bbas\b", "only"),
    (r"(?i)\bsab\b|\bsaare\b|\bsabhi\b", "all"),
    (r"\bwale\b", "ones"),
    (r"(?i)\baur\b", "and"),
    (r"\bmein se\b", "of"),
    (r"\bmein\b", "in"),
    (r"(?<![-'])\bpe\b(?![-'])", "on"),
    (r"(?<![-'])\bek\b(?![-'])", "one"),
    (r"[,.]?\s*\b(?:bata do|batao|bataiye|dikhao|dikha do|dikhaiye|bhej do|chahiye|karke)\b", ""),
    (r"\b(?:hai|hain|tha|thi|hua|hue|hui|raha|rahi|rahe)\b(?!')\s*", ""),
    (r"(?<![-'])\b(?:ka|ke|ki|ko|se)\b(?![-'])\s*", ""),
)
# Swahili as Kenyans write it to a chat, English nouns mixed in ("Tiketi ngapi ziliuzwa kwenye X
# mwezi uliopita?"): its question words after their noun, its periods, linkers and the few nouns
# and verbs of selling; read only in a message with a Swahili word of its own (`_SWAHILI_WORD`),
# since "ya" or "na" are English slang or a name's too.
_SWAHILI_WORD = re.compile(
    r"\b(?:tiketi|ngapi|mwezi|mwaka|kwenye|huko|nipe|mapato|tamasha|asante|dhidi|zimeuzwa|ziliuzwa"
    r"|zilizouzwa|wastani|kiasi)\b",
    re.I,
)
_SWAHILI = (
    (r"(?i)^\s*(?:sasa|sawa)\b[,!.]\s*|^\s*(?:habari|jambo|mambo)\b[,!.]?\s*", ""),
    (r"(?i)^\s*na\b\s*", "and "),
    (r"(?i)[,.]?\s*\basante(?: sana)?\b[.!]?", ""),
    (r"(?i)\bjumla tu\b", "total only"),
    (r"(?i)\bjumla\b", "total"),
    (r"(?i)\bmwezi uliopita\b", "last month"),
    (r"(?i)\bmwaka jana\b", "last year"),
    (r"(?i)\bmwaka huu\b", "this year"),
    (r"(?i)\bwiki iliyopita\b", "last week"),
    (r"(?i)\bmwezi huo ?huo\b", "the same month"),
    (r"(?i)\b(?:kwa )?kila mwezi\b", "each month"),
    (r"(?i)\b(?:kwa )?kila siku\b", "each day"),
    (r"(?i)\b(?:kwa )?kila wiki\b", "each week"),
    (r"(?i)\bkwa kila\b", "per"),
    (r"(?i)\bwastani wa\b", "average"),
    (r"(?i)\bdhidi ya\b", "against"),
    (r"(?i)\bnamba zote mbili\b", "both numbers"),
    (r"(?i)\bkiasi gani\b", "how much"),
    (r"(?i)\btarehe gani\b", "what date"),
    (r"(?i)\bkuanzia\b", "from"),
    (r"(?i)\bhadi\b", "to"),
    (r"(?i)\b(?:ni|ulikuwa|ilikuwa|yalikuwa) ngapi\b", "how many"),
    (r"(?i)\b(\w+) ngapi\b", r"how many \1"),  # "tiketi ngapi": the noun before its question word
    (r"(?i)\btiketi\b", "tickets"),
    (r"(?i)\bmapato\b", "revenue"),
    (r"(?i)\bmatamasha\b", "concerts"),
    (r"(?i)\btamasha\b", "concert"),
    (r"\b(?:ziliuzwa|zimeuzwa|zilizouzwa|imeuzwa|iliuzwa)\b", "sold"),
    (r"\b(?:lililofutwa|yaliyofutwa|iliyofutwa)\b", "cancelled"),
    (r"\blilipangwa kuanza\b", "was scheduled to start"),
    (r"\balikuwa na\b", "had"),
    (r"\s*\bkwenye rekodi zenu\b", ""),
    (r"(?i)^\s*kuna\b\s*", ""),
    (r"\bkwenye\b|\bhuko\b", "in"),
    (r"(?i)\bnipe\b", "give me"),
    (r"\bhizo\b", "those"),
    (r"\b(?:yalikuwa|ulikuwa|ilikuwa)\b", "was"),
    (r"(?<![-'])\b(?:za|ya|wa|la)\b(?![-'])", "of"),
    (r"\bna\b", "and"),  # "mwaka jana na mwaka huu", "tiketi na mapato": never dropped
    (r"\bni\b\s*", ""),  # the copula ("... ni kiasi gani?"); "si" (not) is left unread: refused
    # a month's name only before a year or after "from"/"to" ("Mei" may be an artist's name)
    *((rf"\b{sw}\b(?=\s+\d{{4}})|(?:(?<=\bfrom )|(?<=\bto )){sw}\b", en) for sw, en in (
        ("Januari", "January"), ("Februari", "February"), ("Machi", "March"), ("Aprili", "April"),
        ("Mei", "May"), ("Juni", "June"), ("Julai", "July"), ("Agosti", "August"),
        ("Septemba", "September"), ("Oktoba", "October"), ("Novemba", "November"),
        ("Desemba", "December"),
    )),
)  # fmt: skip
_REWRITES = compiled((*_ARCHAIC, *_SOUTHERN, *_PIDGIN, *_TAGLISH, *_HINGLISH), flags=0)  # case as written
_SWAHILI_REWRITES = compiled(_SWAHILI, flags=0)
_PATOIS_REWRITES = compiled(_PATOIS, flags=0)
_NOT_TAGLISH = compiled((*_ARCHAIC, *_SOUTHERN, *_PIDGIN, *_HINGLISH), flags=0)


def read(text: str) -> str:
    """The text with these registers' function words as the English words meant."""
    if (read_as := indonesian.read(text)) != text:  # its "di" is "in", not Pidgin's "the"
        return read_as
    if _PATOIS_WORD.search(text):
        return rewrite(_PATOIS_REWRITES, text)
    if _SWAHILI_WORD.search(text):  # Taglish's "si", "na", "ni" are other words here
        return rewrite(_NOT_TAGLISH, rewrite(_SWAHILI_REWRITES, text))
    return rewrite(_REWRITES, text)
