"""Fault injection (429s, 5xx) and optional real rate-limit enforcement with Discord's headers.

discord.py only retries a 429 when the response carries a ``Via`` header (without it, it assumes
a Cloudflare ban and raises), reads ``retry_after`` from the JSON body and treats
``"global": true`` as a global lock. It retries 500/502/504/524 (not 503) up to four times with
1 s, 3 s, ... back-off; the interaction webhook adapter retries every 5xx.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .records import RequestRecord

Predicate = Callable[[RequestRecord], bool]
VIA = "1.1 google"


@dataclass
class FaultAnswer:
    """What the fake sends instead of handling the request."""

    status: int
    body: dict[str, Any] | str
    headers: dict[str, str]
    label: str


@dataclass
class FaultRule:
    """Answer matching requests with an injected status instead of handling them.

    A request matches when method, path (full regex match against the path after ``/api/v10``;
    ``{name}`` matches one segment) and predicate all fit. ``times`` limits how many requests
    are hit (None = no limit); ``probability`` hits matching requests at random (seeded RNG).
    """

    status: int
    method: str | None = None
    path: str | re.Pattern[str] | None = None
    predicate: Predicate | None = None
    times: int | None = 1
    probability: float | None = None
    retry_after: float = 0.05
    is_global: bool = False
    via: bool = True
    bucket: str | None = None
    hits: int = 0
    matched: list[RequestRecord] = field(default_factory=list)

    def applies(self, record: RequestRecord, rng: random.Random) -> bool:
        if self.exhausted:
            return False
        if not record.matches(self.method, self.path):
            return False
        if self.predicate is not None and not self.predicate(record):
            return False
        return self.probability is None or rng.random() < self.probability

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def answer(self) -> FaultAnswer:
        if self.status == 429:
            return rate_limited_answer(
                self.retry_after,
                is_global=self.is_global,
                via=self.via,
                bucket=self.bucket or "injected",
                label="injected 429",
            )
        reason = {
            500: "500: Internal Server Error",
            502: "502: Bad Gateway",
            503: "503: Service Unavailable",
            504: "504: Gateway Timeout",
        }
        body = reason.get(self.status, f"{self.status}: Injected error")
        # Discord's edge answers 5xx with text/html or plain text, not JSON.
        return FaultAnswer(self.status, body, {"Via": VIA}, f"injected {self.status}")


class FaultInjector:
    """The active fault rules, checked in the order they were added."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.rng = random.Random(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        if rule in self.rules:
            self.rules.remove(rule)

    def clear(self) -> None:
        self.rules.clear()

    def check(self, record: RequestRecord) -> FaultAnswer | None:
        for rule in self.rules:
            if rule.applies(record, self.rng):
                rule.hits += 1
                rule.matched.append(record)
                return rule.answer()
        return None


def rate_limited_answer(
    retry_after: float,
    *,
    is_global: bool,
    via: bool = True,
    bucket: str = "",
    limit: int = 1,
    label: str = "rate limited",
) -> FaultAnswer:
    """A 429 exactly as Discord sends it (headers and JSON body)."""
    now = time.time()
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if via:
        headers["Via"] = VIA
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers.update(
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{now + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": bucket,
            }
        )
    body = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    return FaultAnswer(429, body, headers, label)


@dataclass
class BucketRule:
    """``limit`` requests per ``per`` seconds for routes matching ``method`` and ``route``."""

    limit: int
    per: float
    method: str | None = None
    route: str | None = (
        None  # regex over the route template, e.g. r"/channels/\{channel_id\}/messages"
    )

    def matches(self, method: str, template: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.route is None or re.fullmatch(self.route, template) is not None


@dataclass
class RateLimitPolicy:
    """Real rate limits, enforced when passed to ``FakeDiscord(rate_limits=...)``.

    Defaults follow Discord: 50 requests/s globally (interaction callbacks and webhooks are
    exempt), 5 messages per 5 s per channel, and a generous default bucket elsewhere.
    """

    global_per_second: int | None = 50
    buckets: list[BucketRule] = field(
        default_factory=lambda: [
            BucketRule(5, 5.0, "POST", r"/channels/\{channel_id\}/messages"),
        ]
    )
    default: BucketRule = field(default_factory=lambda: BucketRule(50, 1.0))


@dataclass
class _Window:
    limit: int
    per: float
    started: float
    used: int = 0


class RateLimiter:
    """Fixed-window counters per caller: one global window and one per (bucket, major parameter).

    The caller is the bot token (as on Discord, the global limit is per bot, summed over every
    connection and process using the token), or the client's address for requests without one.
    """

    def __init__(self, policy: RateLimitPolicy) -> None:
        self.policy = policy
        self._windows: dict[str, _Window] = {}
        self._global: dict[str, _Window] = {}
        #: Every 429 the limits answered, and those of them from the global limit.
        self.limited = 0
        self.global_limited = 0

    def take(
        self, method: str, template: str, major: str, *, global_exempt: bool, caller: str = ""
    ) -> tuple[FaultAnswer | None, dict[str, str]]:
        """Count one request of ``caller``; a 429 answer when over a limit, else success headers."""
        now = time.monotonic()
        policy = self.policy
        if policy.global_per_second and not global_exempt:
            g = self._global.get(caller)
            if g is None or now - g.started >= 1.0:
                g = self._global[caller] = _Window(policy.global_per_second, 1.0, now)
            if g.used >= g.limit:
                self.limited += 1
                self.global_limited += 1
                return rate_limited_answer(max(0.001, g.started + 1.0 - now), is_global=True), {}
            g.used += 1
        rule = next((b for b in policy.buckets if b.matches(method, template)), policy.default)
        bucket = hashlib.md5(f"{rule.method} {rule.route or template}".encode()).hexdigest()[:16]
        key = f"{caller}:{bucket}:{major}"
        w = self._windows.get(key)
        if w is None or now - w.started >= w.per:
            w = self._windows[key] = _Window(rule.limit, rule.per, now)
        reset_after = max(0.001, w.started + w.per - now)
        if w.used >= w.limit:
            self.limited += 1
            return rate_limited_answer(
                reset_after, is_global=False, bucket=bucket, limit=w.limit
            ), {}
        w.used += 1
        return None, {
            "X-RateLimit-Limit": str(w.limit),
            "X-RateLimit-Remaining": str(w.limit - w.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
