"""Free-mail and disposable mailbox domains: a contact writing from one of these is rarely a buyer's address.

A small, deliberately conservative list (the big consumer providers by market); extend it in a fork or
through a ruleset rule on ``email_domain`` when your market has others.
"""

from __future__ import annotations

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.at",
        "gmx.ch",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "hotmail.de",
        "icloud.com",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "outlook.de",
        "posteo.de",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "t-online.de",
        "web.de",
        "yahoo.com",
        "yahoo.de",
        "yandex.ru",
        "zoho.com",
        "163.com",
        "126.com",
        "mailinator.com",
        "guerrillamail.com",
        "10minutemail.com",
    }
)


def is_free_mail(domain: str) -> bool:
    """True for a consumer or throwaway mail domain (case-insensitive)."""
    return domain.lower() in FREE_MAIL_DOMAINS
