"""Who is asking and why, said before the question ("CFO here, building the board slide: ...",
"I'm the touring agent for X. Which city ...", "ballpark is fine: ..."), set aside so the
question is read alone. Pure.

An opening clause, or a closing sentence after the question's mark, is set aside only when
every word of it is one of an asker's words (roles, the work they do, what the figure is for,
hedges, function words) or part of a capitalised name; the names it holds stay, with their
preposition ("for X", "at X"), since the question that follows often points back to them
("their tickets"). A clause that says nothing the planner reads goes too, whatever its words
("Coach driver on the tour here, planning routes:", "Merch float check:"): no
measure, grouping, period, channel or tier, no number, no name, and no word that would narrow
or redirect the question (only, except, a season, a forecast, SQL). Any other clause ("merch
question: ...", "rev: ...", "Cher: ...") stays, so the question's other checks still see
every word.
"""

from __future__ import annotations

import re

from chat.understood import DOMAIN, KNOWN


def _lexicon(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FUNCTION = _lexicon(
    """
    i i'm im i've it am we we're our my me the a an for at of with on in this that to as and here is
    just quick new first week day who about so from your after out or
    """
)
_ROLES = _lexicon(
    """
    cfo ceo coo cmo cto cio vp svp evp president director head manager gm lead analyst supervisor
    agent promoter booker intern journalist reporter writer accountant controller planner producer
    coordinator owner founder investor consultant assistant staff team member editor student
    researcher councillor councilor council committee constituents voters residents auditor
    auditors underwriter underwriters insurer insurers account accounts partner partners finance
    marketing operations ops partnerships partnership sponsorship sponsorships
    touring tour tours box office talent programming comms communications pr press bi general
    """
)
_WORK = _lexicon(
    """
    work working run running manage managing supervise supervising handle handling book booking
    bookings represent representing look looking after putting together building preparing prepping
    writing making drafting updating doing slide slides deck board meeting presentation report
    piece story article memo review annual question ballpark rough fine estimate approximate
    approximately roughly rounded ok sorry if silly dumb basic one again q sponsor sponsors pitch
    sidebar data journalism live music bother mind festival call on-call teach explain please
    sit sits sitting office culture economy night time thesis master masters dissertation
    chapter methods sample description fact check checking checker line draft audit file papers
    underwrite underwriting cover insurance event cancellation context keep keeps asking ask asks
    mention meeting next briefing need one number confirm help it's i'd like enough list
    fraud desk routine morning check checks pod podcast episode listener listeners co-host host
    segment special prepping prep settling bet teacher teaching class students statistics exercise
    worksheet answer key example migration migrated legacy validating validate settlement sheet
    flagging flag outliers outlier looking bulk buying
    tourism hotel hotels diner restaurant grant grants application applications funders funder reach
    security safety crowd rota evacuation plan dashboard chart daughter son kid kids wife husband
    friend friends obsessed retail bear jargon arts figure wants want needs catering coming shows
    transit authority planning buses bus shuttle shuttles dispatch network service commuter pattern
    staff trains train lay extra group groups sizes size us those ones are there we'd these off
    company history compiling archive archivist ledger timeline scouting units catchment footfall proxy
    anchor tenant hunt shortlist quiz quizmaster round tie breaker nearest dollar wins stats linkedin
    post posts angle carousel growth energy thrilled announce pub study studies shout entry true false
    point points offer bonus going scratcher prep
    """
)
_ASKER = _FUNCTION | _ROLES | _WORK
# An opening clause ends at a colon, a dash, a full stop or a semicolon; or at a comma after
# "here" ("CFO here, ...").
_OPENING = re.compile(r"^\s*([^:;.!?]{1,80}?)(?:\s*[:;]\s+|\s+[-\u2013\u2014]+\s+|\.\s+|(?<=\bhere),\s+)")
# ... and a closing sentence after the question ("... in 2025? It's for a council briefing.") or
# a dash ("... of X, please - we need it for the evacuation plan.").
_CLOSING = re.compile(r"(?:(?<=\?)\s+|,?\s+-+\s+)([^?]{1,80}?)[.!]?\s*$")
# A name in the clause: capitalised words after a preposition ("for Medeski Martin and Wood").
_NAME = re.compile(
    r"\b(for|at|of|with|about|in)\s+([A-Z0-9][\w'&.-]*(?:\s+(?:[A-Z0-9&][\w'&.-]*|and|of|the|de|la|y))*)"
)


# Words that would narrow or widen the question if a side clause held them ("ignore comps:",
# "only the matinees -"): such a clause is never set aside for holding no measure.
_RESTRICTS = _lexicon(
    """
    only just except excluding exclude excluded without not no never nor but aside ignore ignoring
    minus apart other others besides unless if including include includes included plus also too
    spring summer autumn fall winter season seasons holiday holidays christmas easter
    prediction predictions predict predicted forecast forecasts projection projections will
    sql query queries run execute exec statement command
    """
)
# A clause that names what the question is about ("merch question:", "re merch -"): its topic,
# which the warehouse may not record, never a story to set aside.
_TOPIC = re.compile(
    r"\b(?:question|query|q|ask|request|enquiry|inquiry|topic)s?\W*$"
    r"|^\W*(?:re|about|regarding|concerning|on the (?:topic|subject) of)\b",
    re.I,
)
_NUMBERS = _lexicon("two three four five six seven eight nine ten dozen hundred thousand million half")


def _says_nothing_asked(clause: str) -> bool:
    """No word the planner reads (a measure, a grouping, a period, a channel, ...), no number,
    no word that would narrow the question and no name: the clause only tells the asker's story
    ("Coach driver on the tour here, planning routes:", "... ? It decides the shirt designs.")."""
    if re.search(r"\d|[A-Z]{2,}", clause) or _NAME.search(clause) or _TOPIC.search(clause):
        return False
    words = [w.removesuffix("'s") for w in re.findall(r"[a-z'&-]+", clause.lower())]
    # "my sister and I have a little wager": "I" is no name
    capitalised = [
        w for w in re.findall(r"(?<![\w'-])[A-Z][\w'-]*", clause) if not re.fullmatch(r"I(?:'\w+)?", w)
    ]
    opening_capital = len(capitalised) == 1 and re.match(r"\W*" + re.escape(capitalised[0]), clause)
    if capitalised and not (opening_capital and len(words) >= 3):  # "Wynonna:", "Atlanta or X -":
        return False  # a name, the question's subject; only a sentence's first capital is no name
    told = set(words) - KNOWN  # a story has words of its own ("list them" is the question's)
    return len(words) >= 2 and bool(told) and not set(words) & (DOMAIN | _RESTRICTS | _NUMBERS | _CHANGES)


def _asker_only(clause: str) -> bool:
    """Every word an asker's word (a name aside), and at least one not a function word."""
    clause = re.sub(r"\bcity (council|hall)\b", r"\1", clause, flags=re.I)
    # "Quiz round 3, question 2: ...": a numbered part of the asker's work, not a figure
    clause = re.sub(r"\b(?:round|question|part|no\.?)\s*\d{1,2}\b", " ", clause, flags=re.I)
    words = [w.removesuffix("'s") for w in re.findall(r"[a-z0-9'&]+", _NAME.sub(" ", clause).lower())]
    return bool(words) and set(words) <= _ASKER and not set(words) <= _FUNCTION


# A user story ("As a scheduler, I want to count the concerts ..., so that I can plan."): the role
# and the purpose are who asks and why; what is wanted is the question.
_STORY = re.compile(
    r"^\s*as (?:a|an|the|our|my) ([^,]{1,80}?),?\s+(?:i|we) (?:want|need|would like|'d like|wish)"
    r"(?: to (?:know|see|get|find out|have|understand|check|learn))?(?:\s*:)?\s+",
    re.I,
)
_PURPOSE = re.compile(
    r"[,;]?\s+so (?:that )?(?:i|we) (?:can|could|may|might|will|would)\b[^?]*[.!]?\s*$", re.I
)


def _story(question: str) -> str:
    """A user story read as its question: the role set aside (a name in it kept with its
    preposition) and the purpose after "so that" too."""
    if not (m := _STORY.match(question)):
        return question
    name = _NAME.search(m[1])
    kept = f"{'for' if name[1] in ('about', 'with') else name[1]} {name[2].strip()}: " if name else ""
    return kept + _PURPOSE.sub("", question[m.end() :])


# "Shuttle dispatch wants ...": who wants the figure, said as the sentence's subject
_WANTS = re.compile(r"^\s*([a-z][\w' ]{1,40}?) (?:wants|needs|would like|is asking for|asks for)\s+", re.I)


# An opening clause that may frame the question ("Photo finish at X:", "Drill down on X -"): it
# ends at a colon, a semicolon, a dash or "here,", never at a full stop (a sentence before the
# question may say a period of its own: "... next week.").
_LEAD = re.compile(r"^\s*([^:;.!?]{1,80}?)(?:\s*[:;]\s+|\s+[-\u2013\u2014]+\s+|(?<=\bhere),\s+)")
# ... and words that would change what is asked if the clause held them, besides `_RESTRICTS`:
# a kind of ticket or money the warehouse does not split out, or a figure that is not the record.
_CHANGES = _lexicon(
    """
    net nett comp comps complimentary free freebie freebies presale pre resale resold secondary
    discount discounted discounts promo promotional coupon coupons fee fees tax taxes vat surcharge
    profit profits margin margins expected estimated estimate projected budget budgeted target
    targets goal goals hypothetical hypothetically suppose supposing imagine assuming assume pretend
    doubled tripled halved adjusted inflation converted euros pounds international domestic foreign
    overseas student students senior seniors child children member members subscriber subscribers
    season's weighted cumulative running rolling moving
    """
)
_ASKS = re.compile(
    r"\b(?:how|what|what's|whats|which|who|whom|whose|when|where|why)\b"
    r"|^\W*(?:is|are|was|were|did|do|does|has|have|had|can|could|will|would)\b",
    re.I,
)
# The words of an opening clause that frame the question in the asker's own idiom and never
# name a part of the data ("Photo finish at X:", "Drill down on X -", "Quick leaderboard:"): an
# explicit list, since an unknown word in a clause as often names a subset ("Gift cards:",
# "Abandoned carts:", "Opening nights:", "Portland leg:") which no answer may drop.
_FRAMING = _lexicon(
    """
    photo finish form book circling circle drill leaderboard laggard laggards mover movers
    footprint footprints cadence baseline baselining handover rota sheet note notes prep page
    exercise exhibition catalogue catalog retrospective provenance display feature segment bit
    callback call calls check checks checking sanity snapshot scorecard recap wrap-up wrap
    rundown lowdown headline headlines teaser quiz trivia homework assignment poster flyer
    newsletter blog caption tweet thread reel story journal diary logbook notebook memo brief
    briefing agenda minutes standup stand-up huddle sync pulse temperature vibe commentary box
    admin race reference desk query accession circulation log migration tracker climate archive
    training block review field fresh tick scoreboard splits logging pattern chart
    """
)


# What a clause may measure: its unknown words may then qualify it ("parking revenue")
_MEASURED = _lexicon(
    """
    ticket tickets tix revenue revenues refund refunds refunded order orders sale sales customer
    customers buyer buyers price prices money dollars gross takings income earnings concert concerts
    show shows gig gigs seat seats capacity venue venues artist artists tier tiers channel channels
    """
)


def story_words(question: str) -> set[int]:
    """Positions (in `chat.vocabulary.words` of the question) of the words of an opening clause
    that only frame the question in the asker's idiom ("Photo finish at X: tickets ...",
    "Drill down on X - ..."): each such word is one of `_FRAMING`, so no word that may name a
    subset of the data is ever excused. A clause that asks (a question word), holds a measure,
    a number, a topic ("merch question:") or a word that would narrow or change the figure
    excuses nothing; its names and periods are still read and checked."""
    from chat.vocabulary import words

    m = _LEAD.match(question)
    if not m or _TOPIC.search(m[1]) or re.search(r"\d", m[1]) or _ASKS.search(m[1]):
        return set()  # "How many runners were in the field last month - ...": the question itself
    clause = words(m[1])
    lowered = {w for w, _ in clause}
    if len(clause) < 2 or lowered & (_RESTRICTS | _CHANGES | _NUMBERS | _MEASURED):
        return set()  # "Refunds ledger: how many tickets ...": the clause's measure is read
    return {i for i, (w, _) in enumerate(clause) if w in _FRAMING and w not in KNOWN}


def set_aside(question: str) -> str:
    """The question without a greeting and the opening clauses that only say who asks and why;
    a name in one kept with its preposition ("for X: which city ..."); a user story's role and
    purpose ("As a planner, I want ..., so that I can ...")."""
    out = _story(re.sub(r"^\s*(?:hi|hello|hey)(?: there)?\b[!,.]*\s*", "", question, flags=re.I))
    for _ in range(3):
        m = _OPENING.match(out)
        if not m or not (_asker_only(m[1]) or _says_nothing_asked(m[1])):
            break
        name = _NAME.search(m[1])
        kept = f"{'for' if name[1] in ('about', 'with') else name[1]} {name[2].strip()}: " if name else ""
        out = kept + out[m.end() :]
    if (wants := _WANTS.match(out)) and _asker_only(wants[1]):
        out = out[wants.end() :]
    closing = _CLOSING.search(out)
    if (
        closing
        and (_asker_only(closing[1]) or _says_nothing_asked(closing[1]))
        and not _NAME.search(closing[1])
    ):
        out = out[: closing.start()]
    return out.strip()
