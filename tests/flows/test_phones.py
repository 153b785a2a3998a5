"""flows.phones: which texters are at home, checked against phonenumbers' own example numbers."""

import phonenumbers
import pytest

from flows.phones import sent_from_home

EXAMPLES = {
    region: phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    for region in sorted(phonenumbers.SUPPORTED_REGIONS)
}


@pytest.mark.parametrize("regions", [("GB",), ("GB", "IE"), ("IE",), ("US",), ("GB", "GG", "IM", "JE")])
def test_a_texter_is_at_home_when_their_number_is_of_a_region_the_line_texts(regions):
    """Every region's example mobile is at home exactly when its calling code is one of
    ``regions``' and phonenumbers finds it valid for no other region of that code: a
    Jersey mobile (+44) and a Jamaican one (+1) are abroad."""
    home_codes = {phonenumbers.country_code_for_region(r) for r in regions}
    checked = 0
    for region, example in EXAMPLES.items():
        if example is None:
            continue
        number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        sharing = phonenumbers.region_codes_for_country_code(example.country_code)
        elsewhere = any(phonenumbers.is_valid_number_for_region(example, other) for other in sharing if other not in regions)
        expected = example.country_code in home_codes and not elsewhere
        assert sent_from_home(number, regions) == expected, (region, number)
        checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    "sender", ["", None, "12345", "Acme", "447400123456", "whatsapp:+447400123456", "+447400123456x", "+44" + "7" * 60_000]
)
def test_a_sender_that_is_not_an_e164_number_is_not_at_home(sender):
    assert not sent_from_home(sender, ("GB",))
