"""flows.phones: which texters are at home, checked against phonenumbers' own example numbers."""

import phonenumbers
import pytest

from flows.phones import sent_from_home

EXAMPLES = {region: phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
            for region in sorted(phonenumbers.SUPPORTED_REGIONS)}


@pytest.mark.parametrize("regions", [("GB",), ("GB", "IE"), ("IE",), ("US",), ("GB", "GG", "IM", "JE")])
def test_a_texter_is_at_home_when_their_number_is_of_a_region_the_line_texts(regions):
    """Every region's example mobile: at home exactly when phonenumbers places it in one of
    ``regions``, including the regions that share a calling code (+44 Jersey, +1 Jamaica)."""
    checked = 0
    for region, example in EXAMPLES.items():
        if example is None:
            continue
        number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        # phonenumbers' own placing (an Isle of Man example is also a valid GB number).
        placed = phonenumbers.region_code_for_number(example)
        assert sent_from_home(number, regions) == (placed in regions), (region, placed, number)
        checked += 1
    assert checked > 200


@pytest.mark.parametrize("sender", ["", None, "12345", "Acme", "447400123456", "whatsapp:+447400123456"])
def test_a_sender_that_is_not_an_e164_number_is_not_at_home(sender):
    assert not sent_from_home(sender, ("GB",))
