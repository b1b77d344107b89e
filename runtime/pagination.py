"""Walk Offset/Limit pages: the engine behind the generated ``paginate_*`` methods.

Which actions page, and through which members, is declared in the spec; the
generated method passes those member names here. Paging stops at an empty
page, when ``TotalCount`` (if the action has one) is reached, or at a short
page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NamedTuple, TypeVar

Req = TypeVar("Req")


class PageSpec(NamedTuple):
    """The Python names of the paging members of one action (a plain tuple: the
    generated clients build theirs at import, which must stay cheap)."""

    offset: str
    limit: str
    items: str
    total: str | None = None
    page_size: int | None = None


class _Pages:
    """The paging state machine, shared by the sync and async walkers."""

    def __init__(self, request: Any, spec: PageSpec) -> None:
        self.spec = spec
        self.request = request
        self.offset: int = getattr(request, spec.offset) or 0
        self.limit: int | None = getattr(request, spec.limit) or spec.page_size

    def next_request(self) -> Any:
        import attrs  # noqa: PLC0415 - the request models are attrs classes

        return attrs.evolve(
            self.request, **{self.spec.offset: self.offset, self.spec.limit: self.limit}
        )

    def take(self, response: Any) -> tuple[list[Any], bool]:
        """The page's items, and whether another page should be fetched."""
        items = list(getattr(response, self.spec.items) or [])
        self.offset += len(items)
        total = getattr(response, self.spec.total) if self.spec.total else None
        return items, another_page(len(items), self.offset, total, self.limit)


def another_page(got: int, offset: int, total: object, limit: int | None) -> bool:
    """Whether to fetch another page after one of ``got`` items, ``offset`` being
    where the next page starts: not after an empty or short page, nor once the
    action's ``total`` (when it reports one) is reached."""
    if not got:
        return False
    if isinstance(total, int) and not isinstance(total, bool) and offset >= total:
        return False
    return limit is None or got >= limit


def iter_items(call: Callable[[Req], Any], request: Req, spec: PageSpec) -> Iterator[Any]:
    """Every item of every page, fetched lazily, one page at a time."""
    pages = _Pages(request, spec)
    more = True
    while more:
        items, more = pages.take(call(pages.next_request()))
        yield from items


async def aiter_items(
    call: Callable[[Req], Awaitable[Any]], request: Req, spec: PageSpec
) -> AsyncIterator[Any]:
    """The asyncio twin of :func:`iter_items`."""
    pages = _Pages(request, spec)
    more = True
    while more:
        items, more = pages.take(await call(pages.next_request()))
        for item in items:
            yield item
