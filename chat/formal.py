"""A lawyer's or a clerk's formal words for a plain question ("Kindly furnish the count of ...",
"Please confirm the aggregate refund amount recorded against X", "Identify the single venue
with the highest ...", "carry the status cancelled"), read as the planner's words. Pure."""

from __future__ import annotations

from chat.rewrites import compiled, rewrite

_REWRITES = compiled(
    (
        (
            r"^\s*(?:(?:please|kindly|could you|would you)\s+)*(?:furnish|provide|supply|confirm"
            r"|state(?=\s+(?:the|a|an|how|what|which|whether|me|us|all|each|every)\b)"  # not "state with ..."
            r"|set out|report|give)(?:\s+(?:me|us))?(?:\s*,\s*|\s+)",
            "give ",
        ),
        (
            r"^\s*(?:(?:please|kindly)\s+)*identify the (?:single |one )?(\w+) (?:with|that has|having)\b",
            r"which \1 has",
        ),
        (r"\baggregate\b", "total"),
        (r"\brecorded against\b", "at"),
        (
            r"\b(?:that |which )?(?:carry|carries|bear|bears|have|has|with) the status (cancell?ed)\b",
            r"are \1",
        ),
        (r"\bwhose status is (cancell?ed)\b", r"that are \1"),
        (r"^\s*for the record\s*[:,-]\s*", ""),
        (r",?\s*all venues combined\b", ""),
        (r"\b(?:across|over) the (?:whole|entire) (?:network|platform|business)\b", ""),
    )
)


def read(text: str) -> str:
    """The text with formal wording as the planner's."""
    return rewrite(_REWRITES, text)
