import pytest

from journey_assets.journey.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_BODY_CHARS,
    Encoding,
    check_body,
    count_segments,
    detect_encoding,
    non_gsm7_characters,
    smart_encode,
)


def test_gsm_tables_have_the_spec_sizes():
    assert len(GSM7_BASIC) == 127  # 128 code points minus the escape
    assert frozenset("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert GSM7_BASIC.isdisjoint(GSM7_EXTENSION)


@pytest.mark.parametrize("n, segments", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm7_segment_boundaries(n, segments):
    info = count_segments("a" * n)
    assert info.encoding is Encoding.GSM7 and info.segments == segments


@pytest.mark.parametrize("n, segments", [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segment_boundaries(n, segments):
    text = "ę" * n  # not in GSM-7
    info = count_segments(text)
    assert info.encoding is Encoding.UCS2 and info.segments == segments


def test_one_non_gsm_character_switches_the_whole_message_to_ucs2():
    text = "a" * 69 + "😀"  # emoji is a surrogate pair: 2 code units -> 71 units
    info = count_segments(text)
    assert info.encoding is Encoding.UCS2 and info.units == 71 and info.segments == 2
    assert count_segments("a" * 70).segments == 1  # same length, GSM-7
    assert non_gsm7_characters("Zoë ✓ ✓") == ["ë", "✓"]


def test_gsm7_accented_letters_in_basic_set_stay_gsm7():
    assert detect_encoding("Café à Málaga?") is Encoding.UCS2  # á is not GSM-7
    assert detect_encoding("Café à Ñandú") is Encoding.UCS2  # ú neither
    assert detect_encoding("Café à Ñ ü ß Ø @ £ ¥ §") is Encoding.GSM7


def test_extension_characters_count_twice():
    assert count_segments("€" * 80).units == 160
    assert count_segments("€" * 80).segments == 1
    assert count_segments("€" * 80 + "a").segments == 2
    assert count_segments("a" * 159 + "[").segments == 2


def test_escape_pair_is_not_split_across_segments():
    # 152 plain + "{" (2 septets) = 154 -> the pair moves to part 2
    info = count_segments("a" * 152 + "{" + "a" * 10)
    assert info.units == 164 and info.segments == 2
    # parts are 152 | 2+151 = 153: still two; one more septet needs a third part,
    # although 306 septets would fit in two parts if the pair could be split
    assert count_segments("a" * 152 + "{" + "a" * 151).segments == 2
    assert count_segments("a" * 152 + "{" + "a" * 152).segments == 3


def test_smart_encoding_keeps_typographic_text_in_gsm7():
    text = "It’s “ready” – see you… tomorrow"
    assert detect_encoding(text) is Encoding.UCS2
    assert smart_encode(text) == 'It\'s "ready" - see you... tomorrow'
    assert detect_encoding(smart_encode(text)) is Encoding.GSM7


def test_body_limits():
    assert check_body("hi").ok
    assert not check_body("   ").ok
    too_long = check_body("a" * (MAX_BODY_CHARS + 1))
    assert not too_long.ok and "1600" in too_long.problems[0]
    assert check_body("a" * MAX_BODY_CHARS).ok
    over_budget = check_body("ę" * 71, max_segments=1)
    assert not over_budget.ok and "UCS-2" in over_budget.problems[0]
