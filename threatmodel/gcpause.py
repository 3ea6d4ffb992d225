"""The one helper that pauses Python's cyclic garbage collector around bulk work (pure; no Django).

Building a large model snapshot, loading its element rows and analysing it allocate many small objects that
form no reference cycles (reference counting frees them). Each batch of allocations would trigger a
generational collection that traverses them all for nothing, so the collector is paused for the duration.
Here because both the engine (pure core) and the persistence layer (threatmodel) use it and neither may import
the other; benchmarks/NOTES.md has the measurements.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (nested blocks and a disabled collector are fine).

    On leaving, the objects that survived the block are moved to the oldest generation before the collector is
    enabled again (``gc.freeze`` then ``gc.unfreeze``: two list splices): enabling alone would make the next
    allocation collect the young generation, i.e. traverse every container the block allocated. They are then
    examined by the next full collection like any long-lived object. Skipped when something else froze objects
    (``gc.get_freeze_count()``), whose frozen set must stay frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
