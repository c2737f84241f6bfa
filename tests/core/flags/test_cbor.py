import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st
from openfeature.contrib.tools.flagd.core.targeting.custom_ops import normalize_numbers

from unlockstep.core.flags import cbor

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(json_values)
def test_encoding_matches_cbor2_canonical_after_flagd_number_normalisation(value: object) -> None:
    assert cbor.encode(value) == cbor2.dumps(normalize_numbers(value), canonical=True)


def test_integral_floats_encode_as_integers_so_1_and_1_0_bucket_alike() -> None:
    assert cbor.encode(1.0) == cbor.encode(1) == b"\x01"


def test_strings_and_numbers_never_share_an_encoding() -> None:
    assert cbor.encode("1") != cbor.encode(1)
