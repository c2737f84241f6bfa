import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.flags.murmur3 import bucket, hash32, murmur3_32

EDGE_VECTORS = [
    ("ejOoVL", 0),
    ("bY9fO-", 1),
    ("SI7p-", 2**31 - 1),
    ("6LvT0", 2**31),
    ("ceQdGm", 2**32 - 1),
    ("", 0),
]


@pytest.mark.parametrize(("key", "expected"), EDGE_VECTORS)
def test_flagd_hash_edge_keys_hash_to_their_published_values(key: str, expected: int) -> None:
    assert murmur3_32(key.encode()) == expected
    assert hash32(key.encode()) == expected


@pytest.mark.parametrize(
    ("hash_value", "total", "expected"),
    [(0, 100, 0), (2**31 - 1, 100, 49), (2**31, 100, 50), (2**32 - 1, 100, 99), (2**32 - 1, 1, 0)],
)
def test_bucket_scales_the_hash_without_floating_point(
    hash_value: int, total: int, expected: int
) -> None:
    assert bucket(hash_value, total) == expected


@settings(max_examples=300)
@given(st.binary(max_size=64))
def test_reference_and_fast_implementations_agree(data: bytes) -> None:
    assert murmur3_32(data) == hash32(data)
