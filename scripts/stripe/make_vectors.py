"""Stripe-Signature vectors from the official library, and a check of the fixtures.

    target/pyenv/stripe/bin/python scripts/stripe/make_vectors.py          # write
    target/pyenv/stripe/bin/python scripts/stripe/make_vectors.py --check  # compare

Writes tests/fixtures/stripe/webhook_vectors.json: for each event body in
tests/fixtures/stripe/events/, headers made by stripe-python's
`WebhookSignature.generate_signature_header` (and `_compute_signature` for the
multi-signature and wrong-secret cases), each with the verdict of
`stripe.Webhook.construct_event(..., tolerance=300)` at a given time. The Rust tests
(tests/suite/stripe/fixtures.rs) check that our verifier agrees with every verdict, and
that our signer produces the library's headers byte for byte, so the library accepts
ours. Nothing random: the output is the same on every run, so `--check` can tell
whether the committed file is still what the library says.

Before writing, every fixture's field names are checked against stripe-python's
typed resources (generated from Stripe's OpenAPI description), so that a fixture
written by hand cannot drift from Stripe's shapes unnoticed. The only fields
allowed outside them are the ones named in DELIBERATELY_UNKNOWN (our parser must
ignore them).
"""

import argparse
import json
import sys
import typing
from pathlib import Path
from unittest import mock

import stripe
from stripe._error import SignatureVerificationError
from stripe._error_object import ErrorObject
from stripe._event import Event
from stripe._payment_intent import PaymentIntent
from stripe._refund import Refund
from stripe._stripe_object import StripeObject

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "stripe"
OUTPUT = FIXTURES / "webhook_vectors.json"
TOLERANCE = 300
DELIBERATELY_UNKNOWN = {"field_from_a_future_api_version"}

SECRET = "whsec_datacard_fixture_secret"
OLD_SECRET = "whsec_datacard_rolled_away"
SIGNED_AT = 1795600100


# ----- fixture shapes ---------------------------------------------------------------


def stripe_classes(hint):
    """The StripeObject classes a type hint may stand for (Optional, Union, List…)."""
    if isinstance(hint, typing.ForwardRef):
        hint = getattr(stripe, hint.__forward_arg__, None)
    if isinstance(hint, type):
        return [hint] if issubclass(hint, StripeObject) else []
    found = []
    for arg in typing.get_args(hint):
        found.extend(stripe_classes(arg))
    return found


def check_shape(value, cls, path, problems):
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_shape(item, cls, f"{path}[{index}]", problems)
        return
    if not isinstance(value, dict):
        return
    hints = {}
    for klass in reversed(cls.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    for key, child in value.items():
        if key in DELIBERATELY_UNKNOWN:
            continue
        if key not in hints:
            problems.append(f"{path}.{key}: not a field of {cls.__qualname__}")
            continue
        if key == "metadata":
            continue
        candidates = stripe_classes(hints[key])
        if isinstance(child, dict) and child.get("object"):
            named = [c for c in candidates if getattr(c, "OBJECT_NAME", None) == child["object"]]
            candidates = named or candidates
        if candidates:
            check_shape(child, candidates[0], f"{path}.{key}", problems)


def check_fixtures():
    problems = []
    for path in sorted(FIXTURES.glob("*.json")) + sorted((FIXTURES / "events").glob("*.json")):
        if path == OUTPUT:
            continue
        value = json.loads(path.read_text())
        name = path.relative_to(FIXTURES)
        if path.parent.name == "events":
            check_shape(value, Event, str(name), problems)
            obj = value["data"]["object"]
            if isinstance(obj, dict) and obj.get("object") == "payment_intent":
                check_shape(obj, PaymentIntent, f"{name}.data.object", problems)
        elif path.name.startswith("payment_intent."):
            check_shape(value, PaymentIntent, str(name), problems)
        elif path.name.startswith("refund."):
            check_shape(value, Refund, str(name), problems)
        elif path.name.startswith("error."):
            check_shape(value["error"], ErrorObject, f"{name}.error", problems)
        else:
            problems.append(f"{name}: no known shape for this file name")
    return problems


# ----- signature vectors ------------------------------------------------------------


def library_accepts(payload, header, secret, now):
    """stripe-python's verdict, with its clock at `now`."""
    with mock.patch("stripe._webhook.time.time", return_value=now):
        try:
            stripe.Webhook.construct_event(payload, header, secret, tolerance=TOLERANCE)
            return True
        except SignatureVerificationError:
            return False


def header_for(payload, secret=SECRET, timestamp=SIGNED_AT):
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def v1(payload, secret, timestamp=SIGNED_AT):
    return stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)


def vector(name, payload, header, now, secret=SECRET, ours_accepts=None, note=None):
    accepted = library_accepts(payload, header, secret, now)
    entry = {
        "name": name,
        "secret": secret,
        "header": header,
        "now": now,
        "payload": payload,
        "library_accepts": accepted,
        "ours_accepts": accepted if ours_accepts is None else ours_accepts,
    }
    if note:
        entry["note"] = note
    return entry


def vectors():
    out = []
    # The vector in shared/research/payments.md §1.4.
    documented = '{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}'
    out.append(
        vector(
            "documented",
            documented,
            header_for(documented, "whsec_test_secret", 1700000000),
            1700000000,
            secret="whsec_test_secret",
        )
    )
    for path in sorted((FIXTURES / "events").glob("*.json")):
        payload = path.read_text()
        out.append(vector(f"{path.stem}: signed", payload, header_for(payload), SIGNED_AT + 5))
    payload = (FIXTURES / "events" / "payment_intent.succeeded.json").read_text()
    signed = header_for(payload)
    out += [
        vector("at the edge of the tolerance", payload, signed, SIGNED_AT + TOLERANCE),
        vector("stale by a second", payload, signed, SIGNED_AT + TOLERANCE + 1),
        vector(
            "from the future",
            payload,
            signed,
            SIGNED_AT - TOLERANCE - 1,
            ours_accepts=False,
            note="stripe-python refuses only stale timestamps; we refuse both directions",
        ),
        vector("tampered amount", payload.replace('"amount": 9020', '"amount": 1', 1), signed, SIGNED_AT),
        vector("tampered whitespace", payload.rstrip("\n"), signed, SIGNED_AT),
        vector("wrong secret", payload, signed, SIGNED_AT, secret=OLD_SECRET),
        vector(
            "rolled secret: old and new v1",
            payload,
            f"t={SIGNED_AT},v1={v1(payload, OLD_SECRET)},v1={v1(payload, SECRET)}",
            SIGNED_AT,
        ),
        vector(
            "only the old secret's v1",
            payload,
            f"t={SIGNED_AT},v1={v1(payload, OLD_SECRET)}",
            SIGNED_AT,
        ),
        vector(
            "v0 only",
            payload,
            f"t={SIGNED_AT},v0={v1(payload, SECRET)}",
            SIGNED_AT,
        ),
        vector(
            "v0 and v1",
            payload,
            f"t={SIGNED_AT},v1={v1(payload, SECRET)},v0=00",
            SIGNED_AT,
        ),
        vector(
            "upper-case hex",
            payload,
            f"t={SIGNED_AT},v1={v1(payload, SECRET).upper()}",
            SIGNED_AT,
        ),
        vector(
            "timestamp changed",
            payload,
            signed.replace(f"t={SIGNED_AT}", f"t={SIGNED_AT + 1}"),
            SIGNED_AT,
        ),
    ]
    return {
        "generator": "scripts/stripe/make_vectors.py",
        "library": f"stripe-python {stripe.VERSION}",
        "tolerance_secs": TOLERANCE,
        "vectors": out,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args()

    problems = check_fixtures()
    if problems:
        print("fixtures that do not match stripe-python's resources:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1

    text = json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n"
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} differs from what the library says now", file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)}: up to date")
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
