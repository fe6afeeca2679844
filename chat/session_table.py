"""Conversation memory in DynamoDB: one item per session (`session` key), its turns as JSON,
and `expires_at` for the table's TTL, so an idle conversation disappears by itself."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from chat.memory import TTL_SECONDS, Conversation, check_session

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class SessionTable:
    """Loads and saves conversations."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_s: int = TTL_SECONDS) -> None:
        self.client, self.table, self.ttl_s = client, table, ttl_s

    def load(self, session: str) -> Conversation:
        """The session's conversation (empty when new or expired)."""
        item = self.client.get_item(
            TableName=self.table, Key={"session": {"S": check_session(session)}}, ConsistentRead=True
        ).get("Item")
        if not item or int(item.get("expires_at", {}).get("N", "0")) < time.time():
            return Conversation(session)
        return Conversation(session, json.loads(item["turns"]["S"]))

    def save(self, conversation: Conversation) -> None:
        """Write the conversation and push its expiry out by the TTL."""
        self.client.put_item(
            TableName=self.table,
            Item={
                "session": {"S": check_session(conversation.session)},
                "turns": {"S": json.dumps(conversation.turns, default=str)},
                "expires_at": {"N": str(int(time.time()) + self.ttl_s)},
            },
        )
