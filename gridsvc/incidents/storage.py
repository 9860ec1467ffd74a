"""Where photo files live: the local disk (default) or an S3-compatible object store.

Keys are content-addressed (``photos/ab/<sha256>/original.jpg``), so a file is written once however
many incidents or retries carry it, a half-finished request leaves at worst an unreferenced file,
and nothing is ever overwritten with different bytes. Chosen by ``MEDIA_STORAGE`` (``local`` |
``s3``); S3 needs ``S3_BUCKET`` and, for MinIO / Ceph / a cloud's S3 API, ``S3_ENDPOINT_URL``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class MediaStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files under MEDIA_DIR; written to a temporary name and renamed, so readers never see half."""

    def __init__(self, root: str) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):  # keys are ours, but never trust a path
            raise ValueError(f"key escapes the media directory: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Storage:
    """An S3-compatible bucket through boto3 (MinIO, Ceph RGW, OSS/COS S3 APIs, AWS)."""

    def __init__(self, config: dict) -> None:
        # boto3 loads in ~0.3 s and most counties store photos on local disk: import it only here.
        import boto3
        from botocore.config import Config as BotoConfig  # with boto3, as above

        self.bucket = config["S3_BUCKET"]
        if not self.bucket:
            raise RuntimeError("MEDIA_STORAGE=s3 needs S3_BUCKET")
        self.client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region_name=config.get("S3_REGION") or "us-east-1",
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID"),
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            config=BotoConfig(
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path"},  # MinIO and most on-premise stores want paths
            ),
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError  # boto3 is imported lazily, see __init__

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def build_storage(config: dict) -> MediaStorage:
    kind = (config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "local":
        return LocalStorage(config["MEDIA_DIR"])
    if kind == "s3":
        return S3Storage(config)
    raise RuntimeError(f"MEDIA_STORAGE must be local or s3, not {kind!r}")


def media_storage(app: Flask | None = None) -> MediaStorage:
    """The app's storage, built on first use and kept in ``app.extensions``."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get("media_storage")
    if storage is None:
        storage = app.extensions["media_storage"] = build_storage(app.config)
    return storage
