"""The responder's actions, one module each, all of one shape (`base.Action`).

A lead's actions run in the order that gets the customer answered first:
`inventory`, `assign`, `sms` (and `email_fallback` when the SMS could not go),
`crm_lead` (REST) and `crm_adf` (ADF/XML), `wrike_task`, `slack_alert`.
A Twilio HELP text gets `help_reply`; a Meta lead-ads webhook first `meta_lead`.
"""
