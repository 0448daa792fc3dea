"""What a service does to the garbage collector once it is built."""

from __future__ import annotations

import gc

from acikkapi_shared.serve import GC_THRESHOLDS, tune_garbage_collection


def test_a_built_service_freezes_what_exists_and_collects_rarely() -> None:
    thresholds = gc.get_threshold()
    try:
        tune_garbage_collection()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
