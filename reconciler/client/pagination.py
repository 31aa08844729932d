"""PostHog's list envelopes, read without I/O: the items of a page and where the next page is.

Four shapes exist (see the API notes on pagination):

- ``{"count", "next", "previous", "results"}``: DRF limit/offset, most lists; ``next`` is an
  absolute URL that keeps the other query parameters.
- ``{"next", "previous", "results"}`` without ``count``: persons. ``next`` comes whenever a page
  is full, so an exactly-full last page is followed by an empty one; an empty page ends the list.
- ``{"results", "has_next"}``: session recordings; phsync asks for the next ``offset`` itself.
- ``{"results", "next", "previous", "total_count"}``: activity logs (page numbers in ``next``).

A bare JSON list, or ``{"results": [...]}`` with neither ``next`` nor ``has_next``, is one page.

Page sizes. Every page is one request from the rate budget, so phsync asks for big pages:

- 1000 for ordinary limit/offset lists (flags, cohorts, dashboards, insights, projects,
  annotations): PostHog sets no maximum there, and annotations default to 1000 anyway;
- 500 for persons and session recordings: analytics queries with a smaller rate budget
  (240/min), whose rows are heavy; 500 is a fifth of the requests of PostHog's default;
- 100 for activity logs (PostHog's default is 10).

A server that caps the page size is still read correctly: phsync follows ``next`` as PostHog
built it, and advances recordings' ``offset`` by the number of items it actually received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from reconciler.client.ratelimit import rate_class_for

if TYPE_CHECKING:
    from reconciler.client.http import PostHogClient

DEFAULT_PAGE_SIZE = 1000
PAGE_SIZES: tuple[tuple[str, int], ...] = (
    ("/persons", 500),
    ("/session_recordings", 500),
    ("/activity", 100),
)
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class PageProgress:
    """How far a pagination got: pages and items so far, and the total when PostHog said it."""

    pages: int
    items: int
    total: int | None


ProgressCallback = Callable[[PageProgress], None]


@dataclass(frozen=True)
class NextPage:
    """Either a URL to fetch as is, or new query parameters for the same path."""

    url: str | None = None
    params: dict[str, Any] | None = None


def default_page_size(path: str) -> int:
    for marker, size in PAGE_SIZES:
        if marker in path:
            return size
    return DEFAULT_PAGE_SIZE


def page_results(page: Any) -> list[Any] | None:
    """The items of a page, or None when ``page`` is not a list envelope at all."""
    if isinstance(page, list):
        return page
    if isinstance(page, dict) and isinstance(page.get("results"), list):
        return list(page["results"])
    return None


def page_total(page: Any) -> int | None:
    if not isinstance(page, dict):
        return None
    for name in ("count", "total_count"):
        value = page.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def next_page(page: Any, params: Mapping[str, Any]) -> NextPage | None:
    """Where the page after ``page`` is (fetched with ``params``), or None at the end."""
    results = page_results(page)
    if not results or not isinstance(page, dict):
        return None
    if "next" in page:
        link = page["next"]
        return NextPage(url=link) if isinstance(link, str) and link else None
    if "has_next" in page:
        if page["has_next"] is not True:
            return None
        offset = int(params.get("offset") or 0) + len(results)
        return NextPage(params={**params, "offset": offset})
    return None


def same_origin_url(link: str, origin: str) -> str | None:
    """``link`` made absolute on ``origin``; None when it points at another host.

    A link on the same host name that only swaps https for http (a proxy in front of PostHog
    that does not pass the original scheme on) is moved back to ``origin``, so the key never
    travels unencrypted. Any other host is refused.
    """
    base = urlsplit(origin)
    parts = urlsplit(link)
    if not parts.netloc:
        path = parts.path if parts.path.startswith("/") else "/" + parts.path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    same_host = parts.hostname.lower() == (base.hostname or "").lower()
    if same_host and parts.scheme == base.scheme and _port(parts) == _port(base):
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    if same_host and parts.scheme != base.scheme and parts.port in (None, DEFAULT_PORTS["http"]):
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    return None


def _port(parts: Any) -> int | None:
    return parts.port or DEFAULT_PORTS.get(parts.scheme)


def walk_pages(
    client: PostHogClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    rate_class: str | None = None,
    page_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of a list, fetched lazily page by page through ``client``, following
    PostHog's envelopes (see :meth:`PostHogClient.paginate`)."""
    query: dict[str, Any] = dict(params or {})
    query.setdefault("limit", page_size or default_page_size(path))
    url = client.url_for(path)
    rate = rate_class or rate_class_for(urlsplit(url).path)
    current: dict[str, Any] | None = query
    seen = {url}
    pages = items = 0
    while True:
        page = client.request("GET", url, params=current, rate_class=rate)
        results = page_results(page)
        if results is None:
            raise client.odd_answer(url, "did not answer with a list")
        pages += 1
        items += len(results)
        if progress is not None:
            progress(PageProgress(pages=pages, items=items, total=page_total(page)))
        yield from results
        step = next_page(page, current or {})
        if step is None:
            return
        if step.params is not None:
            current = step.params
            continue
        link = step.url or ""
        target = same_origin_url(link, client.origin)
        if target is None:
            raise client.odd_answer(
                url,
                f"links its next page on another host ({client.shown_origin(link)}); "
                "phsync "
                "sends the API key only to the configured host, so it stopped",
                hint="if that host is the same PostHog behind a proxy, use it as --host, "
                "or have the proxy pass the original Host header on",
            )
        if target in seen:
            raise client.odd_answer(url, "links a next page that it already returned")
        seen.add(target)
        url, current = target, None
