from datetime import UTC, datetime

import pytest

from journey_assets.journey.consent import (
    Category,
    Channel,
    ConsentPolicy,
    ConsentReason,
    ConsentState,
    KeywordType,
    apply_inbound,
    classify_inbound,
    consent_decision,
)

AT = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "body, kind",
    [
        ("STOP", KeywordType.OPT_OUT),
        (" stop ", KeywordType.OPT_OUT),
        ("Stop", KeywordType.OPT_OUT),
        ("\tUnsubscribe\n", KeywordType.OPT_OUT),
        ("stopall", KeywordType.OPT_OUT),
        ("cancel", KeywordType.OPT_OUT),
        ("END", KeywordType.OPT_OUT),
        ("quit", KeywordType.OPT_OUT),
        ("Revoke", KeywordType.OPT_OUT),
        ("optout", KeywordType.OPT_OUT),
        ("start", KeywordType.OPT_IN),
        ("Yes", KeywordType.OPT_IN),
        (" UNSTOP", KeywordType.OPT_IN),
        ("help", KeywordType.HELP),
        ("INFO ", KeywordType.HELP),
        ("Stop.", KeywordType.OPT_OUT),  # punctuation inside the one word is dropped
        ("STOP!!", KeywordType.OPT_OUT),
        ("Opt-out", KeywordType.OPT_OUT),
    ],
)
def test_single_word_keywords_match_case_insensitively_after_trimming(body, kind):
    assert classify_inbound(body).kind is kind


@pytest.mark.parametrize("body", ["Stop please", "STOP PLEASE", "please cancel", "stop now.", "s t o p", "STOP2"])
def test_keyword_inside_longer_text_is_not_a_keyword_as_twilio_does(body):
    # Twilio only acts on single-word messages: "STOP PLEASE" does not block.
    result = classify_inbound(body)
    assert result.kind is KeywordType.NONE
    assert result.keyword is None


def test_free_text_with_opt_out_word_is_flagged_for_review():
    assert classify_inbound("Stop please").possible_opt_out
    assert classify_inbound("please UNSUBSCRIBE me").possible_opt_out
    assert not classify_inbound("Is the CR-V still available?").possible_opt_out
    assert not classify_inbound("yes please").possible_opt_out
    assert not classify_inbound("I need to cancel my appointment").possible_opt_out
    assert classify_inbound("I said STOP!").possible_opt_out


def test_empty_and_none_bodies_are_not_keywords():
    assert classify_inbound("").kind is KeywordType.NONE
    assert classify_inbound(None).kind is KeywordType.NONE
    assert classify_inbound("   ").kind is KeywordType.NONE


def test_opt_out_blocks_all_sms_even_transactional():
    state = ConsentState(has_phone=True, sms_marketing_consent=True, sms_transactional_consent=True)
    state = apply_inbound(state, classify_inbound("stop"), AT)
    for category in Category:
        d = consent_decision(state, Channel.SMS, category)
        assert not d.allowed
        assert d.code is ConsentReason.SMS_OPTED_OUT
    assert state.sms_opted_out_at == AT


def test_start_lifts_block_but_does_not_restore_marketing_consent():
    state = ConsentState(has_phone=True, sms_marketing_consent=True)
    state = apply_inbound(state, classify_inbound("STOP"), AT)
    state = apply_inbound(state, classify_inbound("start"), AT)
    assert consent_decision(state, "sms", "transactional").allowed
    d = consent_decision(state, "sms", "marketing")
    assert not d.allowed and d.code is ConsentReason.NO_SMS_MARKETING_CONSENT


def test_help_and_free_text_do_not_change_state():
    state = ConsentState(has_phone=True, sms_marketing_consent=True)
    assert apply_inbound(state, classify_inbound("HELP"), AT) == state
    assert apply_inbound(state, classify_inbound("Stop please"), AT) == state


def test_marketing_sms_needs_express_written_consent():
    state = ConsentState(has_phone=True, sms_transactional_consent=True)
    assert not consent_decision(state, Channel.SMS, Category.MARKETING).allowed
    assert consent_decision(state, Channel.SMS, Category.TRANSACTIONAL).allowed
    ok = consent_decision(ConsentState(has_phone=True, sms_marketing_consent=True), Channel.SMS, Category.MARKETING)
    assert ok.allowed and ok.code is ConsentReason.OK and ok.reason


def test_no_phone_or_no_consent_means_no_sms():
    assert consent_decision(ConsentState(), "sms", "transactional").code is ConsentReason.NO_ADDRESS
    assert consent_decision(ConsentState(has_phone=True), "sms", "transactional").code is ConsentReason.NO_SMS_CONSENT


def test_email_rules():
    unsub = ConsentState(has_email=True, email_unsubscribed=True)
    assert not consent_decision(unsub, "email", "marketing").allowed
    assert consent_decision(unsub, "email", "transactional").allowed  # CAN-SPAM exemption
    bounced = ConsentState(has_email=True, email_hard_bounced=True)
    assert consent_decision(bounced, "email", "transactional").code is ConsentReason.EMAIL_HARD_BOUNCED
    plain = ConsentState(has_email=True)
    assert consent_decision(plain, "email", "marketing").allowed
    casl = ConsentPolicy(require_email_opt_in=True)
    assert consent_decision(plain, "email", "marketing", casl).code is ConsentReason.NO_EMAIL_OPT_IN


def test_do_not_contact_beats_everything():
    state = ConsentState(has_phone=True, has_email=True, sms_marketing_consent=True, do_not_contact=True)
    for channel in Channel:
        for category in Category:
            d = consent_decision(state, channel, category)
            assert not d.allowed and d.code is ConsentReason.DO_NOT_CONTACT
            assert d.channel is channel and d.category is category


def test_unknown_channel_is_rejected():
    with pytest.raises(ValueError):
        consent_decision(ConsentState(), "fax", "marketing")
