"""Locks that stay usable in a child after ``os.fork()``.

A lock another thread holds when the process forks stays held forever in the
child, where that thread does not exist. Objects whose state a child may keep
using (throttle buckets, the circuit breaker, the transports' reopen guard)
get their lock from :func:`fork_safe_lock`, which hands the child a fresh one.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Protocol


class HasLock(Protocol):
    _lock: threading.Lock


_holders: weakref.WeakSet[HasLock] = weakref.WeakSet()


def fork_safe_lock(holder: HasLock) -> threading.Lock:
    """A new lock for ``holder._lock``, replaced by a fresh one in a forked child."""
    _holders.add(holder)
    return threading.Lock()


def _after_fork_in_child() -> None:
    for holder in list(_holders):
        holder._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
