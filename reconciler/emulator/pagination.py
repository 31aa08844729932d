"""PostHog's pagination envelopes, with absolute ``next``/``previous`` URLs like DRF builds.

* :func:`limit_offset` is DRF's ``LimitOffsetPagination`` (``count``, ``next``, ``previous``,
  ``results``); an invalid or non-positive ``limit`` falls back to the default, and there is
  no maximum (DRF's ``max_limit`` is None), except where a caller passes ``max_limit``.
* :func:`persons_page` is the persons list: no ``count`` and ``next`` whenever the page is full.
* :func:`activity_page` is the activity log's page-number pagination.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from reconciler.emulator.wire import JSON, Request


def _positive(raw: str | None, *, strict: bool, default: int, cutoff: int | None = None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    if value < 0 or (strict and value == 0):
        return default
    return min(value, cutoff) if cutoff else value


def url_with(request: Request, **changes: int | None) -> str:
    """The request's absolute URL with some query parameters replaced (None removes one).

    Parameters are sorted, as DRF's ``replace_query_param`` does.
    """
    query: dict[str, list[str]] = {k: list(v) for k, v in request.query.items()}
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = [str(value)]
    encoded = urlencode(sorted(query.items()), doseq=True)
    return request.absolute(request.path + (f"?{encoded}" if encoded else ""))


def limit_and_offset(
    request: Request, *, default_limit: int = 100, max_limit: int | None = None
) -> tuple[int, int]:
    limit = _positive(request.arg("limit"), strict=True, default=default_limit, cutoff=max_limit)
    offset = _positive(request.arg("offset"), strict=False, default=0)
    return limit, offset


def limit_offset(
    request: Request,
    items: Sequence[Any],
    *,
    default_limit: int = 100,
    max_limit: int | None = None,
) -> JSON:
    """DRF ``LimitOffsetPagination`` over an already filtered and ordered sequence."""
    limit, offset = limit_and_offset(request, default_limit=default_limit, max_limit=max_limit)
    results = list(items[offset : offset + limit]) if offset <= len(items) else []
    return counted_page(request, len(items), results, limit=limit, offset=offset)


def counted_page(
    request: Request, count: int, results: list[Any], *, limit: int, offset: int
) -> JSON:
    """The LimitOffset envelope for a page already cut (``count`` is the total)."""
    next_url = None
    if offset + limit < count:
        next_url = url_with(request, limit=limit, offset=offset + limit)
    previous_url = None
    if offset > 0:
        if offset - limit <= 0:
            previous_url = url_with(request, limit=limit, offset=None)
        else:
            previous_url = url_with(request, limit=limit, offset=offset - limit)
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}


def persons_page(request: Request, items: Sequence[Any], *, default_limit: int = 100) -> JSON:
    """The persons list: ``next`` when the page came back full, ``count`` only if asked."""
    limit, offset = limit_and_offset(request, default_limit=default_limit)
    results = list(items[offset : offset + limit])
    body: JSON = {
        "results": results,
        "next": url_with(request, offset=offset + limit) if len(results) >= limit else None,
        "previous": url_with(request, offset=offset - limit) if offset - limit >= 0 else None,
    }
    if "include_total" in request.query:
        body["count"] = len(items)
    return body


def activity_page(request: Request, items: Sequence[Any]) -> JSON:
    """``?limit=`` (default 10) and ``?page=`` (default 1) → results, next, previous, total."""
    limit = _positive(request.arg("limit"), strict=True, default=10)
    page = _positive(request.arg("page"), strict=True, default=1)
    start = (page - 1) * limit
    results = list(items[start : start + limit])
    total = len(items)
    return {
        "results": results,
        "next": url_with(request, page=page + 1, limit=limit) if start + limit < total else None,
        "previous": url_with(request, page=page - 1, limit=limit) if page > 1 else None,
        "total_count": total,
    }
