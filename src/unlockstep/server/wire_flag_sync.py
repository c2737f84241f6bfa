"""Pushed flag configurations on the wire: who holds which revision (``routers/flag_stream.py``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from unlockstep.server.wire import Wire


class SyncClientOut(Wire):
    id: int = Field(description="the connection's number in this server process")
    client: str = Field(description="the provider id it sent, else its address")
    transport: Literal["grpc", "stream"] = Field(
        description="grpc: flagd's sync service; stream: the HTTP event stream (SDK, OFREP)"
    )
    connected_at: str
    revision: int | None = Field(description="the flag-set revision it holds (None: none yet)")
    held_since: str | None
    current: bool = Field(description="it holds the environment's current revision")
    process: str | None = Field(
        default=None, description="the server process it is connected to (host:pid:…)"
    )


class PropagationOut(Wire):
    revision: int
    recorded_at: str | None = Field(description="when the revision was written")
    killed: list[str] = Field(description="flags this revision turned off")
    clients: int = Field(description="clients connected when it was pushed")
    seconds: float | None = Field(
        description="from the write to every connected client holding it (None: superseded "
        "first, or no client was connected)"
    )
    waiting_seconds: float | None = Field(
        description="for the revision still being pushed: how long since it was written"
    )


class ProcessSyncOut(Wire):
    process: str = Field(description="a server process serving this environment's streams")
    reported_at: str | None = Field(
        description="when that process last reported (None: the process that answers)"
    )
    revision: int | None = Field(description="the revision that process was pushing")
    clients: int = Field(description="clients connected to it")
    pending: PropagationOut | None
    propagations: list[PropagationOut] = Field(description="its last revisions, newest first")


class FlagSyncStatusOut(Wire):
    environment: str
    revision: int | None = Field(description="the current flag-set revision (None: not loaded)")
    recorded_at: str | None
    clients: list[SyncClientOut] = Field(
        description="clients connected to any server process on this database (the others' "
        "as they last reported, every few seconds)"
    )
    laggards: list[SyncClientOut] = Field(description="connected clients not on the revision")
    pending: PropagationOut | None = Field(
        description="the revision not every client of the answering process holds"
    )
    propagations: list[PropagationOut] = Field(
        description="the answering process's last revisions, newest first"
    )
    processes: list[ProcessSyncOut] = Field(
        default_factory=list, description="every process with connected clients, this one first"
    )


class AckIn(Wire):
    subscription: int = Field(description="the number the stream's hello event gave")
    revision: int = Field(ge=0, description="the flag-set revision the client now holds")


class CapabilitySetOut(Wire):
    name: str
    capabilities: dict[str, str] = Field(description="capability name → the flag it follows")
    clashes: list[str] = Field(description="capability names more than one flag claims")


class CapabilitySetsOut(Wire):
    environment: str
    sets: list[CapabilitySetOut]


class CapabilitiesIn(Wire):
    context: dict[str, Any] = Field(
        default_factory=dict, description="the evaluation context (targetingKey inside it)"
    )


class CapabilitiesOut(Wire):
    set: str
    environment: str
    capabilities: dict[str, bool] = Field(
        description="on exactly when the capability's flag serves true for this context"
    )
