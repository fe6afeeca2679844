"""The chatbot's domain: plain-language questions planned into tool calls (the deterministic
planner or Amazon Bedrock), analytics compiled to guarded SQL over the star schema, answers
composed from the tool results, and bounded conversation memory. Pure: the adapters that
reach AWS are the small modules named for what they talk to (session_table, bedrock_planner)."""
