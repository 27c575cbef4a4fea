"""Consent, closed-loop referrals and services delivered."""
