"""`Idempotency-Key` for the API's creating POSTs.

The first request with a key runs and its response is kept for 24 hours; the same key
with the same body returns that response again (header `Idempotent-Replayed: true`) and
creates nothing; the same key with another body is 422; the same key while the first
request is still running is 409. Keys are per user (per address for anonymous calls).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from lms.models import IdempotencyRecord
from lms.ratelimit import client_ip

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"


def _error(http_status: int, code: str, message: str) -> Response:
    return Response({"detail": message, "code": code, "errors": {}}, status=http_status)


def _canonical(value):
    if isinstance(value, UploadedFile):  # the same name with other content is another body
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"name": value.name, "sha256": digest.hexdigest()}
    return str(value)


def _fingerprint(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def idempotent(handler):
    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not key or len(key) > 255 or not key.isprintable():
            return _error(
                status.HTTP_400_BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1-255 printable characters.",
            )
        user = request.user
        user_key = f"user:{user.pk}" if user.is_authenticated else f"anon:{client_ip(request)}"
        fingerprint = _fingerprint(request)
        now = timezone.now()
        IdempotencyRecord.objects.filter(user_key=user_key, key=key, created_at__lt=now - TTL).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user_key=user_key, key=key, method=request.method, path=request.path[:512],
                    body_hash=fingerprint, created_at=now,
                )  # fmt: skip
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(user_key=user_key, key=key).first()
            if record is None:  # expired and purged between the two queries: run it
                return handler(self, request, *args, **kwargs)
            if record.body_hash != fingerprint:
                return _error(
                    status.HTTP_422_UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request.",
                )
            if record.status_code is None:
                return _error(
                    status.HTTP_409_CONFLICT, "request_in_progress", "A request with this key is in progress."
                )
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = handler(self, request, *args, **kwargs)
        except Exception:
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
            return response
        record.status_code = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
        record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


def purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - TTL).delete()
    return deleted
