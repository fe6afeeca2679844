"""The Lambda context a handler is given: what Powertools' logger and metrics read of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaContext:
    """A function's name, memory, ARN and request id (the ARN follows from the name)."""

    function_name: str = "concert-test"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "req-1"

    @property
    def invoked_function_arn(self) -> str:
        """The function's ARN in the test account."""
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
