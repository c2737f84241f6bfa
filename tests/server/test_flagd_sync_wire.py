"""The sync service's wire is flagd's published ``sync.proto``: the committed generated module
is what protoc makes of it today, its descriptor is the .proto's, and messages encode as the
.proto says byte for byte."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from tests.conftest import REPO
from unlockstep.server.flagd_sync import FlagSyncService, sync_pb2

pytest.importorskip("grpc_tools", reason="grpcio-tools (the test extra) compiles the .proto")

PROTO = REPO / "proto" / "flagd" / "sync" / "v1" / "sync.proto"


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "generate_flagd_sync", REPO / "scripts" / "generate_flagd_sync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compiled() -> descriptor_pb2.FileDescriptorProto:
    """``sync.proto`` as protoc reads it (a descriptor set, no Python involved)."""
    from importlib import resources

    from grpc_tools import protoc

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "set.pb"
        code = protoc.main([
            "protoc", f"-I{REPO / 'proto'}", f"-I{resources.files('grpc_tools') / '_proto'}",
            f"--descriptor_set_out={out}", "flagd/sync/v1/sync.proto",
        ])  # fmt: skip
        assert code == 0
        found = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    [file] = found.file
    return file


def test_the_committed_modules_are_what_the_script_generates_from_the_proto() -> None:
    script = _script()
    with tempfile.TemporaryDirectory() as folder:
        fresh = script.generate(Path(folder))  # type: ignore[attr-defined]
    for name, text in fresh.items():
        committed = (REPO / "src/unlockstep/server/flagd_sync" / name).read_text()
        assert committed == text, f"{name} is stale: run scripts/generate_flagd_sync.py"


def test_the_generated_descriptor_is_the_protos() -> None:
    ours = descriptor_pb2.FileDescriptorProto()
    sync_pb2.DESCRIPTOR.CopyToProto(ours)
    compiled = _compiled()
    for message in compiled.message_type:  # protoc adds JSON names to a descriptor set only
        for field in message.field:
            field.ClearField("json_name")
    assert ours == compiled
    assert ours.name == "flagd/sync/v1/sync.proto" and ours.package == "flagd.sync.v1"


def test_messages_encode_as_the_proto_says() -> None:
    """Field numbers and types, checked on bytes: a message built from protoc's own reading
    of the .proto (a separate pool) decodes ours and the other way round."""
    pool = descriptor_pool.DescriptorPool()
    from google.protobuf import struct_pb2

    struct_file = descriptor_pb2.FileDescriptorProto()
    struct_pb2.DESCRIPTOR.CopyToProto(struct_file)
    pool.Add(struct_file)
    pool.Add(_compiled())
    theirs = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("flagd.sync.v1.SyncFlagsResponse")
    )
    ours = sync_pb2.SyncFlagsResponse(flag_configuration='{"flags":{}}')
    wire = ours.SerializeToString()
    assert wire == b'\n\x0c{"flags":{}}'  # field 1, length-delimited, 12 bytes
    assert theirs.FromString(wire).flag_configuration == '{"flags":{}}'
    request = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("flagd.sync.v1.SyncFlagsRequest")
    )(provider_id="p", selector="production")
    parsed = sync_pb2.SyncFlagsRequest.FromString(request.SerializeToString())
    assert (parsed.provider_id, parsed.selector) == ("p", "production")


def test_every_method_the_proto_declares_is_served_with_its_streaming_kind() -> None:
    service = _compiled().service[0]
    assert service.name == "FlagSyncService"
    declared = {m.name: bool(m.server_streaming) for m in service.method}
    assert declared == {"SyncFlags": True, "FetchAllFlags": False, "GetMetadata": False}
    handler = FlagSyncService(feed=None, default_environment="production").handler()  # type: ignore[arg-type]
    assert handler.service_name() == "flagd.sync.v1.FlagSyncService"  # type: ignore[attr-defined]
