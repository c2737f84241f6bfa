"""flagd's sync protocol (``flagd.sync.v1.FlagSyncService``), so flagd's in-process providers
— Go, Java, JavaScript, .NET, Python… — evaluate unlockstep's flags locally with pushed updates.

``sync_pb2`` (and its ``.pyi``) is generated from ``proto/flagd/sync/v1/sync.proto`` by
``scripts/generate_flagd_sync.py``; do not edit it.
"""

from unlockstep.server.flagd_sync._service import (
    SELECTOR_HEADER,
    FlagSyncService,
    Selection,
    SelectorError,
    SyncServer,
    parse_selector,
    server_for,
)

__all__ = [
    "SELECTOR_HEADER",
    "FlagSyncService",
    "Selection",
    "SelectorError",
    "SyncServer",
    "parse_selector",
    "server_for",
]
