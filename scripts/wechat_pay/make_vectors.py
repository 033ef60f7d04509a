#!/usr/bin/env python3
"""WeChat Pay API v3 test vectors made by the wechatpayv3 SDK, and its verdict on ours.

Run from anywhere, with the virtualenv that scripts/test makes (pip install -r
scripts/wechat_pay/requirements.txt elsewhere):

    target/pyenv/wechat_pay/bin/python scripts/wechat_pay/make_vectors.py            # write sdk_vectors.json
    target/pyenv/wechat_pay/bin/python scripts/wechat_pay/make_vectors.py --check    # what tests/suite/wechat_pay/vectors.rs runs
    target/pyenv/wechat_pay/bin/python scripts/wechat_pay/make_vectors.py --new-keys # new throwaway keys, then write

The round trip:
1. This script builds request `Authorization` headers with the SDK's
   `utils.build_authorization` (its clock frozen), signs notifications and answers
   with `utils.rsa_sign` (the platform's side), seals notification resources with
   AES-256-GCM (`cryptography`'s AESGCM, the SDK's own dependency; the SDK only
   decrypts), and records what the SDK's `Core.callback` (signature check + `aes_decrypt`)
   and `Core._verify_signature` make of each. It writes
   tests/fixtures/wechat_pay/sdk_vectors.json; the Rust tests verify every vector
   with our code and build the same headers to the same bytes.
2. A Rust test writes what our code signs and seals to
   tests/fixtures/wechat_pay/our_vectors.json (DATACARD_WRITE_VECTORS=1 cargo test
   --test suite wechat_pay::vectors); `--check` runs the SDK over it, and also regenerates
   the SDK vectors in memory and compares them with the committed file.

The keys in tests/fixtures/wechat_pay/ are throwaway test keys made by --new-keys.
"""

import argparse
import base64
import datetime
import json
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from unittest import mock

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

import wechatpayv3.utils as utils
from wechatpayv3.core import Core

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "wechat_pay"
SDK_VECTORS = FIXTURES / "sdk_vectors.json"
OUR_VECTORS = FIXTURES / "our_vectors.json"

MCH_ID = "1900000109"
APP_ID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD12345678"
PUBLIC_KEY_ID = "PUB_KEY_ID_0114232134912410000000000000"
CERT_SERIAL = 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1
API_V3_KEY = "0123456789abcdef0123456789abcdef"
OTHER_API_V3_KEY = "fedcba9876543210fedcba9876543210"
TIMESTAMP = 1795600000  # 2026-11-25T09:46:40Z
PAYMENT_ID = "pay_01JTEST0000000000000000000"


def pem(name):
    return (FIXTURES / f"test_only_{name}.pem").read_text()


def new_keys():
    def write(name, data):
        (FIXTURES / f"test_only_{name}.pem").write_bytes(data)

    for owner in ("merchant", "platform"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        write(f"{owner}_private_key", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        write(f"{owner}_public_key", key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        if owner == "platform":
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test only)")])
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                    .public_key(key.public_key()).serial_number(CERT_SERIAL)
                    .not_valid_before(datetime.datetime(2020, 1, 1))
                    .not_valid_after(datetime.datetime(2120, 1, 1))
                    .sign(key, hashes.SHA256()))
            write("platform_certificate", cert.public_bytes(serialization.Encoding.PEM))


def authorizations():
    merchant = utils.load_private_key(pem("merchant_private_key"))
    cases = [
        ("native", "POST", "/v3/pay/transactions/native",
         json.dumps({"appid": APP_ID, "mchid": MCH_ID, "description": "eSIM 10GB 30d", "out_trade_no": PAYMENT_ID,
                     "notify_url": "https://shop.example.com/api/v1/webhooks/wechat_pay",
                     "amount": {"total": 8800, "currency": "CNY"}}, separators=(",", ":"))),
        ("query", "GET", f"/v3/pay/transactions/out-trade-no/{PAYMENT_ID}?mchid={MCH_ID}", ""),
        ("global_close", "POST", f"/v3/global/transactions/out-trade-no/{PAYMENT_ID}/close",
         json.dumps({"mchid": MCH_ID}, separators=(",", ":"))),
    ]
    out = []
    for name, method, path, body in cases:
        nonce = f"{name.upper()}NONCE0123456789"
        with mock.patch.object(utils.time, "time", return_value=TIMESTAMP):
            header = utils.build_authorization(path, method, MCH_ID, MERCHANT_SERIAL, merchant,
                                               data=body or None, nonce_str=nonce)
        out.append({"name": name, "method": method, "path": path, "timestamp": TIMESTAMP,
                    "nonce": nonce, "body": body, "header": header})
    return out


def transaction(**changes):
    value = {
        "mchid": MCH_ID, "appid": APP_ID, "out_trade_no": PAYMENT_ID,
        "transaction_id": "4200000000202611250000000001", "trade_type": "NATIVE",
        "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "attach": "", "success_time": "2026-11-25T16:26:30+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 8800, "payer_total": 8800, "currency": "CNY", "payer_currency": "CNY"},
    }
    value.update(changes)
    return value


def sealed(plain, nonce, key=API_V3_KEY):
    data = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(AESGCM(key.encode()).encrypt(nonce.encode(), data, b"transaction")).decode()


def platform_headers(body, serial=PUBLIC_KEY_ID, nonce="NOTIFYNONCE0123456789", timestamp=TIMESTAMP):
    platform = utils.load_private_key(pem("platform_private_key"))
    signature = utils.rsa_sign(platform, f"{timestamp}\n{nonce}\n{body}\n")
    return {"Wechatpay-Timestamp": str(timestamp), "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
            "Wechatpay-Serial": serial, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}


def notification(name, plain, serial=PUBLIC_KEY_ID, key=API_V3_KEY, tamper_body=None, flip_ciphertext=False):
    nonce = "fdasflkja484"
    ciphertext = sealed(plain, nonce, key)
    if flip_ciphertext:
        raw = bytearray(base64.b64decode(ciphertext))
        raw[0] ^= 1
        ciphertext = base64.b64encode(bytes(raw)).decode()
    body = json.dumps({
        "id": f"EV-{name}", "create_time": "2026-11-25T16:26:40+08:00", "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                     "associated_data": "transaction", "nonce": nonce},
    }, ensure_ascii=False, separators=(",", ":"))
    headers = platform_headers(body, serial=serial)
    if tamper_body:
        body = body.replace(*tamper_body)
    return {"name": name, "headers": headers, "body": body}


def notifications():
    cert_serial = format(CERT_SERIAL, "X")
    return [
        notification("success", transaction()),
        notification("success_certificate_serial", transaction(), serial=cert_serial),
        notification("hongkong_hkd", transaction(amount={"total": 8800, "payer_total": 7960, "currency": "HKD",
                                                         "payer_currency": "CNY"})),
        notification("notpay", transaction(trade_state="NOTPAY")),
        notification("payerror", transaction(trade_state="PAYERROR")),
        notification("closed", transaction(trade_state="CLOSED")),
        notification("refund", transaction(trade_state="REFUND")),
        notification("tampered_body", transaction(), tamper_body=("EV-tampered_body", "EV-tampered_bodz")),
        notification("tampered_ciphertext", transaction(), flip_ciphertext=True),
        notification("wrong_api_v3_key", transaction(), key=OTHER_API_V3_KEY),
        notification("other_merchant", transaction(mchid="1900009999")),
        notification("other_app", transaction(appid="wx0000000000000000")),
        notification("other_amount", transaction(amount={"total": 880, "payer_total": 880, "currency": "CNY",
                                                         "payer_currency": "CNY"})),
    ]


def answers():
    query = json.dumps(transaction(trade_state="NOTPAY"), ensure_ascii=False, separators=(",", ":"))
    native = '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}'
    return [
        {"name": "native", "headers": platform_headers(native, nonce="ANSWERNONCE1"), "body": native},
        {"name": "query", "headers": platform_headers(query, nonce="ANSWERNONCE2"), "body": query},
        {"name": "query_tampered", "headers": platform_headers(query, nonce="ANSWERNONCE3"),
         "body": query.replace('"NOTPAY"', '"SUCCESS"')},
    ]


class SdkCores:
    """The SDK twice: in WeChat Pay public-key mode, and in platform-certificate mode
    with the test certificate in its certificate folder. Only known serials reach
    either: an unknown one makes the SDK download certificates from WeChat Pay."""

    def __init__(self):
        self.by_key = Core(MCH_ID, MERCHANT_SERIAL, pem("merchant_private_key"), API_V3_KEY,
                           public_key=pem("platform_public_key"), public_key_id=PUBLIC_KEY_ID)
        cert_dir = tempfile.mkdtemp()
        Path(cert_dir, "platform.pem").write_text(pem("platform_certificate"))
        self.by_certificate = Core(MCH_ID, MERCHANT_SERIAL, pem("merchant_private_key"), API_V3_KEY,
                                   cert_dir=cert_dir)

    def for_serial(self, serial):
        if serial == PUBLIC_KEY_ID:
            return self.by_key
        if serial.upper() == format(CERT_SERIAL, "X"):
            return self.by_certificate
        raise ValueError(f"unknown serial {serial}")


def sdk_core():
    return SdkCores()


def sdk_verdicts(cores, note):
    core = cores.for_serial(note["headers"]["Wechatpay-Serial"])
    signed = core._verify_signature(note["headers"], note["body"])
    opened = core.callback(note["headers"], note["body"]) if signed else None
    return signed, (opened or {}).get("resource")


def sdk_vectors():
    core = sdk_core()
    notes = notifications()
    for note in notes:
        note["sdk_signature_ok"], note["sdk_resource"] = sdk_verdicts(core, note)
    answers_ = answers()
    for answer in answers_:
        answer["sdk_signature_ok"] = core.by_key._verify_signature(answer["headers"], answer["body"])
    return {
        "note": "Made by scripts/wechat_pay/make_vectors.py with wechatpayv3 and the throwaway test keys beside this file.",
        "sdks": {"wechatpayv3": version("wechatpayv3"), "cryptography": version("cryptography")},
        "mch_id": MCH_ID, "app_id": APP_ID, "merchant_serial": MERCHANT_SERIAL,
        "public_key_id": PUBLIC_KEY_ID, "certificate_serial": format(CERT_SERIAL, "X"),
        "api_v3_key": API_V3_KEY, "timestamp": TIMESTAMP,
        "authorizations": authorizations(),
        "notifications": notes,
        "answers": answers_,
    }


def check_ours():
    ours = json.loads(OUR_VECTORS.read_text())
    core = sdk_core()
    merchant = utils.load_private_key(pem("merchant_private_key"))
    failures = []
    for auth in ours["authorizations"]:
        with mock.patch.object(utils.time, "time", return_value=auth["timestamp"]):
            header = utils.build_authorization(auth["path"], auth["method"], MCH_ID, MERCHANT_SERIAL, merchant,
                                               data=auth["body"] or None, nonce_str=auth["nonce"])
        if header != auth["header"]:
            failures.append(f"authorization {auth['name']}: the SDK builds another header")
    for note in ours["notifications"]:
        signed, resource = sdk_verdicts(core, note)
        if (signed and resource is not None) != note["expect_valid"]:
            failures.append(f"notification {note['name']}: SDK signature {signed}, decrypted {resource is not None}")
        elif note["expect_valid"] and resource != note["resource"]:
            failures.append(f"notification {note['name']}: SDK decrypted something else")
    for answer in ours["answers"]:
        verdict = core.for_serial(answer["headers"]["Wechatpay-Serial"])._verify_signature(
            answer["headers"], answer["body"])
        if verdict != answer["expect_valid"]:
            failures.append(f"answer {answer['name']}: SDK signature verdict differs")
    print(f"wechat_pay: SDK checked {len(ours['authorizations'])} authorizations, "
          f"{len(ours['notifications'])} notifications and {len(ours['answers'])} answers made by our code")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--new-keys", action="store_true")
    args = parser.parse_args()
    if args.new_keys:
        new_keys()
    vectors = sdk_vectors()
    text = json.dumps(vectors, ensure_ascii=False, indent=2) + "\n"
    if not args.check:
        SDK_VECTORS.write_text(text)
        print(f"wrote {SDK_VECTORS.relative_to(ROOT)}")
        return 0
    failures = []
    if json.loads(SDK_VECTORS.read_text()) != vectors:
        failures.append("sdk_vectors.json differs from what the SDK makes now: rerun without --check")
    failures += check_ours()
    for failure in failures:
        print("FAIL", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
