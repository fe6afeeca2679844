"""An in-memory S3 with the calls the lake, the shard state and the task functions make."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from botocore.exceptions import ClientError


class MemoryS3:
    """Objects keyed by (bucket, key); a missing object raises NoSuchKey as S3 does. Each read's
    conditions (`IfMatch`, ...) are kept in `gets`; an object's ETag is a digest of its bytes."""

    def __init__(self, objects: dict[tuple[str, str], bytes] | None = None) -> None:
        self.objects: dict[tuple[str, str], bytes] = dict(objects or {})
        self.gets: list[dict[str, Any]] = []

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:
        self.objects[(Bucket, Key)] = Body

    def get_object(self, Bucket: str, Key: str, **conditions: Any) -> dict[str, Any]:
        self.gets.append(conditions)
        if (Bucket, Key) not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "missing"}}, "GetObject")
        body, etag = self.objects[(Bucket, Key)], self.etag(Bucket, Key)
        if conditions.get("IfMatch", etag) != etag:
            raise ClientError({"Error": {"Code": "PreconditionFailed", "Message": "changed"}}, "GetObject")
        return {"Body": io.BytesIO(body), "ETag": etag}

    def etag(self, bucket: str, key: str) -> str:
        """The object's ETag (quoted, as S3 gives it)."""
        return f'"{hashlib.md5(self.objects[(bucket, key)], usedforsecurity=False).hexdigest()}"'

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadObject")
        return {"ContentLength": len(self.objects[(Bucket, Key)])}

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> None:
        for obj in Delete["Objects"]:
            self.objects.pop((Bucket, obj["Key"]), None)

    def get_paginator(self, _name: str) -> Any:
        objects = self.objects

        class Pages:
            def paginate(self, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
                keys = sorted(k for b, k in objects if b == Bucket and k.startswith(Prefix))
                return [{"Contents": [{"Key": k} for k in keys]}]

        return Pages()
