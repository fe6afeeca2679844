"""What wraps a question in a message, set aside so the question is read alone. Pure.

People write to the chat as they write an e-mail or a team chat: a greeting ("Hi team, hope all
is well."), a sign-off with their name ("Many thanks, Marta"), emoji ("🙏") and their shortcodes
(":wave:"), chat courtesies ("ty", "lmk"). None of it changes what is asked. Only these shapes are
removed: a sign-off only after the question's end mark and a name only after a comma (so "best"
inside a question, or a name answering it, stays), a greeting only at the start; and after the
question, "One row per concert." or "Cancelled concerts not included.", which a list or a count
of concerts does anyway.
"""

from __future__ import annotations

import re
import unicodedata

_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|howdy|g'day|gday|dear|greetings|good (?:morning|afternoon|evening)|morning)"
    r"(?:\s+(?:there|team|all|everyone|everybody|folks|guys|colleagues|both|y'all|mate|mates))?\s*[,!.:-]*\s+"
    r"(?:(?:i )?hope (?:all is|you(?:'re| are)(?: all)?|everyone is|this finds you|you're all)"
    r"(?: doing)? (?:well|good|great)[.!,]*\s+)?",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"(?<=[?.!])\s+(?i:many thanks|thanks(?: (?:a lot|so much|in advance|again))?"
    r"|thank you(?: (?:so much|in advance))?|cheers|best(?: regards| wishes)?|kind regards|warm regards"
    r"|regards|all the best|ty|thx|tia|lmk)"
    r"(?:\s*[,!.]\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?\s*[.!]?\s*$"
)
# "... in Orlando? Cancelled concerts not included."; "the concert IDs of X's shows in 2026,
# cancelled ones left out, in order of start"; "Venue names, cancellations left off.": a closing
# sentence or a clause, set aside when the message names no sales measure (concerts are listed
# and counted without the cancelled ones anyway; tickets sold "with cancelled concerts left
# out" is another question, left for coverage to report).
_LEFT_OUT = (
    r"(?:(?:with |but )?(?:the |any )?(?:cancell?ed(?: (?:concerts|shows|gigs|ones|dates))?|cancellations) "
    r"(?:are |being )?(?:not included|excluded|left (?:out|off)|omitted|dropped|not (?:to be )?counted)"
    r"|(?:excluding|not counting|leaving (?:out|off)|without|minus|except(?: for)?) (?:the |any )?"
    r"(?:cancell?ed(?: (?:concerts|shows|gigs|ones|dates))?|cancellations))"
)
_CANCELLED_LEFT_OUT = re.compile(
    rf"(?<=[?.!])\s+{_LEFT_OUT}\.?\s*$|,\s*{_LEFT_OUT}(?=\s*(?:[,.;?!]|$))", re.I
)
_SALES_WORDS = re.compile(
    r"\b(?:tickets?|revenue|sales?|sold|sell|(?<!in )orders?|money|takings|grossed?|refund\w*"
    r"|customers?|buyers?|prices?|spen[dt]|earn\w*|income)\b",
    re.I,
)
# "... at X? One row per concert.": a list of concerts has one anyway (not a breakdown by channel)
_ONE_ROW_EACH = re.compile(
    r"(?<=[?.!])\s+one (?:row|line|entry) (?:per|for each|each) (?:concert|show|gig|event)\.?\s*$", re.I
)
# "... in total? #milestone #livemusic": a post's hashtags after the question (never "#1")
_HASHTAGS = re.compile(r"(?:\s+#[a-z][\w-]*)+\s*$", re.I)
# A hedge around the question: "Not sure if this is even possible, but maybe you could tell me
# how many ...? No worries if not."; "Sorry if this is a strange one - I'm hoping to find ...".
_SILLY = r"(?:strange|silly|dumb|stupid|weird|odd|obvious|basic)"
_HEDGE_BEFORE = re.compile(
    r"^\s*(?:(?:i'?m )?not sure if this is (?:even )?possible"
    rf"|(?:sorry|apologies) if this is (?:a |an )?{_SILLY}(?: one| question)?|sorry to (?:bother|trouble) you"
    rf"|(?:probably|maybe|possibly) (?:a |an )?{_SILLY} (?:question|one|comparison|ask)"
    r"(?:,? and feel free to say no)?"
    r"|i might be asking this wrong(?:,? sorry)?|if it isn'?t too much (?:trouble|bother)"
    r"|hopefully this makes sense|i could be wrong|feel free to tell me (?:this|that) isn'?t how it works)"
    r"\s*[,;:.!-]*\s*(?:but\s+)?"
    r"(?:(?:maybe|perhaps)\s+)?"
    r"(?:(?:you could|could you|would it be possible to|i'?m hoping to|would you happen to)"
    r"(?:\s+maybe)?\s+)?"
    r"(?:(?:tell me|get|find|give me|show me|look up|know)\s+)?",
    re.I,
)
_HEDGE_AFTER = re.compile(
    r"[,;]?\s*(?:no worries if not|only if it'?s easy|whatever is easiest(?: for you)?"
    r"|if that'?s something you can (?:look up|find|check)|if you can)[.!?]?\s*$",
    re.I,
)
# ":wave:", ":moneybag:": a chat's emoji written out; never a time ("10:30:00").
_SHORTCODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]*:(?![\w:])")


def _no_emoji(text: str) -> str:
    """Pictographs ("🙏", "📊") and their joiners and variation selectors, as spaces; one between
    two clauses ("Drafting a post 🚀 how many ...") as a dash, which ends an opening clause."""
    text = re.sub(r"(?<=\w)\s*[\U0001f300-\U0001faff\u2600-\u27bf]+\ufe0f?\s+(?=[a-z])", " - ", text)
    return "".join(
        " "
        if unicodedata.category(ch) == "So" or ch in "\u200d\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff"
        else ch
        for ch in text
    )


# Punctuation said aloud to a dictation app ("... in twenty twenty five question mark", "the
# average refund comma in dollars comma ...") or written as a telegram's STOP: the mark itself.
# "period" is a mark only at the end, or before another spoken mark, and not after a word that
# makes it a span of time ("the same period", "that period").
_SPOKEN_MARKS = (
    (re.compile(r"\s*\bquestion mark\b", re.I), "?"),
    (re.compile(r"\s*\b(?:exclamation (?:mark|point))\b", re.I), "!"),
    (re.compile(r"\s*\bfull stop\b", re.I), "."),
    (re.compile(r"\s*\bcomma\b", re.I), ","),
    (re.compile(r"\s+STOP\b"), "."),  # in capitals: "... last week STOP all venues STOP"
    (
        re.compile(
            r"(?<!\bsame)(?<!\bthat)(?<!\bthis)(?<!\bthe)(?<!\ba)(?<!\btime)(?<!\bwhole)(?<!\bentire)(?<!\bprior)"
            r"(?<!\beach)(?<!\bevery)(?<!\bwhich)(?<!\bwhat)(?<!\bprevious)(?<!\bcomparable)(?<!\bgiven)"
            r"\s+period(?=\s*(?:[?!.,]|$))",
            re.I,
        ),
        ".",
    ),
)


def _spoken_marks(text: str) -> str:
    for pattern, mark in _SPOKEN_MARKS:
        text = pattern.sub(mark, text)
    return text


def set_aside(message: str) -> str:
    """The message without its emoji (pictographs and shortcodes), its greeting and its sign-off;
    punctuation said aloud to a dictation app is the mark."""
    out = _SHORTCODE.sub(" ", _no_emoji(_spoken_marks(message)))
    out = _GREETING.sub("", out, count=1)
    for _ in range(2):  # "Thanks in advance! Best, Lena"
        out = _SIGN_OFF.sub("", out.rstrip())
    out = _ONE_ROW_EACH.sub("", out)
    if not _SALES_WORDS.search(out):
        out = _CANCELLED_LEFT_OUT.sub("", out)
    out = _HASHTAGS.sub("", out)
    for _ in range(2):  # "... ? Only if it's easy." after "... , if that's something you can look up?"
        out = _HEDGE_AFTER.sub("", out.rstrip())
    out = _HEDGE_BEFORE.sub("", out, count=1)
    return re.sub(r"\s{2,}", " ", out).strip()
