#!/usr/bin/env python3
"""Alipay RSA2 test vectors made by Alipay's official SDKs, and the SDKs' verdict on ours.

Run from anywhere, with the virtualenv that scripts/test makes (pip install -r
scripts/alipay/requirements.txt elsewhere):

    target/pyenv/alipay/bin/python scripts/alipay/make_vectors.py            # write sdk_vectors.json
    target/pyenv/alipay/bin/python scripts/alipay/make_vectors.py --check    # what tests/suite/alipay/vectors.rs runs
    target/pyenv/alipay/bin/python scripts/alipay/make_vectors.py --new-keys # new throwaway keys, then write

The round trip:
1. This script signs requests, notifications and gateway answers with the SDKs'
   own functions and writes tests/fixtures/alipay/sdk_vectors.json. The Rust tests
   verify every one with our code, and sign the same content to the same bytes
   (RSA PKCS#1 v1.5 is deterministic).
2. A Rust test writes what our code signs to tests/fixtures/alipay/our_vectors.json
   (DATACARD_WRITE_VECTORS=1 cargo test --test suite alipay::vectors) and fails while that
   file is stale. `--check` verifies it with the SDKs, and also regenerates the SDK
   vectors in memory and compares them with the committed file.

SDK functions used: alipay-sdk-python `SignatureUtils.get_sign_content`,
`sign_with_rsa2`, `verify_with_rsa`, `DefaultAlipayClient.page_execute` and the
client's answer check (`__parse_response`); npm alipay-sdk `checkNotifySign`,
`checkNotifySignV2` and `checkResponseSign` (scripts/alipay/check_signatures.mjs).

The keys in tests/fixtures/alipay/ are throwaway test keys made by --new-keys.
"""

import argparse
import datetime
import json
import subprocess
import sys
import urllib.parse
from importlib.metadata import version
from pathlib import Path
from unittest import mock

import alipay.aop.api.DefaultAlipayClient as client_module
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayTradePagePayModel import AlipayTradePagePayModel
from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest
from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa2, verify_with_rsa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "alipay"
SDK_VECTORS = FIXTURES / "sdk_vectors.json"
OUR_VECTORS = FIXTURES / "our_vectors.json"

APP_ID = "2021000000000000"
SELLER_ID = "2088000000000002"
NOTIFY_URL = "https://shop.example.com/api/v1/webhooks/alipay"
RETURN_URL = "https://shop.example.com/orders/ord_01JTEST0000000000000000000"
PAYMENT_ID = "pay_01JTEST0000000000000000000"
TIMESTAMP = "2026-11-25 10:00:00"


def key(name):
    return (FIXTURES / f"test_only_{name}.pem").read_text()


def new_keys():
    from Crypto.PublicKey import RSA

    for owner in ("app", "alipay"):
        pair = RSA.generate(2048)
        (FIXTURES / f"test_only_{owner}_private_key.pem").write_bytes(pair.export_key(pkcs=1) + b"\n")
        (FIXTURES / f"test_only_{owner}_public_key.pem").write_bytes(pair.publickey().export_key() + b"\n")
        if owner == "app":
            (FIXTURES / "test_only_app_private_key_pkcs8.pem").write_bytes(pair.export_key(pkcs=8) + b"\n")


def common(method, **extra):
    params = {
        "app_id": APP_ID,
        "method": method,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": TIMESTAMP,
        "version": "1.0",
    }
    params.update(extra)
    return params


def biz(**fields):
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def signed_request(name, params):
    content = get_sign_content(params)
    return {"name": name, "params": params, "sign_content": content,
            "sign": sign_with_rsa2(key("app_private_key"), content, "utf-8")}


def requests():
    return [
        signed_request("precreate", common(
            "alipay.trade.precreate", notify_url=NOTIFY_URL,
            biz_content=biz(out_trade_no=PAYMENT_ID, subject="eSIM 10GB 30d",
                            time_expire="2026-11-25 10:30:00", total_amount="88.00"))),
        # Raw values: '&', '=', spaces and Chinese are signed as they are, not encoded.
        signed_request("refund_raw_values", common(
            "alipay.trade.refund",
            biz_content=biz(out_trade_no=PAYMENT_ID, out_request_no="rf_" + PAYMENT_ID,
                            refund_amount="88.00", refund_reason="數據卡 & eSIM=10GB 退款"))),
        signed_request("query", common(
            "alipay.trade.query", biz_content=biz(out_trade_no=PAYMENT_ID))),
    ]


class FrozenDatetime:
    class datetime:
        @staticmethod
        def now():
            return datetime.datetime(2026, 11, 25, 10, 0, 0)


def sdk_client():
    config = AlipayClientConfig()
    config.server_url = "https://openapi.alipay.com/gateway.do"
    config.app_id = APP_ID
    config.app_private_key = key("app_private_key")
    config.alipay_public_key = key("alipay_public_key")
    return DefaultAlipayClient(alipay_client_config=config)


def page_pay_url():
    model = AlipayTradePagePayModel()
    model.out_trade_no = PAYMENT_ID
    model.total_amount = "88.00"
    model.subject = "eSIM 10GB 30d"
    model.product_code = "FAST_INSTANT_TRADE_PAY"
    model.time_expire = "2026-11-25 10:30:00"
    request = AlipayTradePagePayRequest(biz_model=model)
    request.notify_url = NOTIFY_URL
    request.return_url = RETURN_URL
    with mock.patch.object(client_module, "datetime", FrozenDatetime):
        return sdk_client().page_execute(request, http_method="GET")


NOTIFY = {
    "app_id": APP_ID, "auth_app_id": APP_ID, "buyer_id": "2088000000000001",
    "buyer_pay_amount": "88.00", "charset": "utf-8",
    "fund_bill_list": '[{"amount":"88.00","fundChannel":"ALIPAYACCOUNT"}]',
    "gmt_create": "2026-11-25 10:00:00", "gmt_payment": "2026-11-25 10:00:05",
    "invoice_amount": "88.00", "notify_id": "2026112500222100000000000000000000",
    "notify_time": "2026-11-25 10:00:06", "notify_type": "trade_status_sync",
    "out_trade_no": PAYMENT_ID, "point_amount": "0.00", "receipt_amount": "88.00",
    "seller_id": SELLER_ID, "subject": "eSIM 10GB 30d", "total_amount": "88.00",
    "trade_no": "2026112522001400000000000001", "trade_status": "TRADE_SUCCESS", "version": "1.0",
}


def signed_notification(name, changes, tamper=None):
    params = dict(NOTIFY, **changes)
    # Alipay signs a notification over every field but sign and sign_type.
    params["sign"] = sign_with_rsa2(key("alipay_private_key"), get_sign_content(params), "utf-8")
    params["sign_type"] = "RSA2"
    params.update(tamper or {})
    return {"name": name, "body": urllib.parse.urlencode(params)}


def notifications():
    return [
        signed_notification("trade_success", {}),
        signed_notification("trade_finished", {"trade_status": "TRADE_FINISHED", "notify_id": "20261125002221000000000000000001"}),
        signed_notification("wait_buyer_pay", {"trade_status": "WAIT_BUYER_PAY", "notify_id": "20261125002221000000000000000002"}),
        signed_notification("trade_closed", {"trade_status": "TRADE_CLOSED", "notify_id": "20261125002221000000000000000003"}),
        signed_notification("tampered_amount", {}, tamper={"total_amount": "8.80"}),
        signed_notification("other_app", {"app_id": "2021000000009999", "auth_app_id": "2021000000009999"}),
        signed_notification("other_seller", {"seller_id": "2088000000009999"}),
        signed_notification("other_amount", {"total_amount": "8.80", "notify_id": "20261125002221000000000000000004"}),
    ]


def signed_answer(name, method, content, tamper=None):
    response_key = method.replace(".", "_") + "_response"
    sign = sign_with_rsa2(key("alipay_private_key"), content, "utf-8")
    if tamper:
        content = content.replace(*tamper)
    body = '{"' + response_key + '":' + content + ',"sign":"' + sign + '"}'
    return {"name": name, "method": method, "body": body}


def answers():
    query = ('{"code":"10000","msg":"Success","buyer_logon_id":"159****5620","buyer_pay_amount":"88.00",'
             '"invoice_amount":"88.00","out_trade_no":"' + PAYMENT_ID + '","point_amount":"0.00",'
             '"receipt_amount":"88.00","send_pay_date":"2026-11-25 10:00:05","total_amount":"88.00",'
             '"trade_no":"2026112522001400000000000001","trade_status":"TRADE_SUCCESS"}')
    return [
        # Alipay escapes '/' in URLs; the signature covers the text as sent.
        signed_answer("precreate_success", "alipay.trade.precreate",
                      '{"code":"10000","msg":"Success","out_trade_no":"' + PAYMENT_ID
                      + '","qr_code":"https:\\/\\/qr.alipay.com\\/bax08431ewgu4eqkgduq0088"}'),
        signed_answer("query_success", "alipay.trade.query", query),
        signed_answer("query_tampered_amount", "alipay.trade.query", query,
                      tamper=('"total_amount":"88.00"', '"total_amount":"8.80"')),
        signed_answer("query_not_exist", "alipay.trade.query",
                      '{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST",'
                      '"sub_msg":"交易不存在","buyer_pay_amount":"0.00","invoice_amount":"0.00",'
                      '"out_trade_no":"' + PAYMENT_ID + '","point_amount":"0.00","receipt_amount":"0.00"}'),
        signed_answer("query_unavailable", "alipay.trade.query",
                      '{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error",'
                      '"sub_msg":"系统繁忙"}'),
        signed_answer("close_success", "alipay.trade.close",
                      '{"code":"10000","msg":"Success","out_trade_no":"' + PAYMENT_ID
                      + '","trade_no":"2026112522001400000000000001"}'),
        signed_answer("refund_success", "alipay.trade.refund",
                      '{"code":"10000","msg":"Success","buyer_logon_id":"159****5620","fund_change":"Y",'
                      '"gmt_refund_pay":"2026-11-25 11:00:00","out_trade_no":"' + PAYMENT_ID
                      + '","refund_fee":"88.00","trade_no":"2026112522001400000000000001"}'),
    ]


def sdk_verifies(public_key, content, sign):
    # verify_with_rsa raises on a bad signature rather than answering False.
    try:
        return verify_with_rsa(public_key, content.encode("utf-8"), sign)
    except Exception:
        return False


def python_verifies_notification(body):
    params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    sign = params.pop("sign", "")
    params.pop("sign_type", None)
    return sdk_verifies(key("alipay_public_key"), get_sign_content(params), sign)


def python_accepts_answer(body):
    # The answer check the client runs inside execute(), which sets these first.
    client_module.THREAD_LOCAL.logger = None
    client_module.THREAD_LOCAL.uuid = "vectors"
    try:
        sdk_client()._DefaultAlipayClient__parse_response(body.encode("utf-8"))
        return True
    except Exception:
        return False


def npm_checks(notes, answers_):
    payload = {
        "app_id": APP_ID,
        "app_private_key": key("app_private_key"),
        "alipay_public_key": key("alipay_public_key"),
        "notifications": [{"params": dict(urllib.parse.parse_qsl(n["body"], keep_blank_values=True))} for n in notes],
        "responses": [{"body": a["body"], "response_key": a["method"].replace(".", "_") + "_response"} for a in answers_],
    }
    done = subprocess.run(["node", str(HERE / "check_signatures.mjs")], input=json.dumps(payload),
                          capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(done.stdout)


def sdk_vectors():
    notes, answers_ = notifications(), answers()
    npm = npm_checks(notes, answers_)
    for note, verdict in zip(notes, npm["notifications"]):
        note["python_sdk_verifies"] = python_verifies_notification(note["body"])
        note["npm_check_notify_sign"] = verdict["check_notify_sign"]
        note["npm_check_notify_sign_v2"] = verdict["check_notify_sign_v2"]
    for answer, verdict in zip(answers_, npm["responses"]):
        answer["python_sdk_accepts"] = python_accepts_answer(answer["body"])
        answer["npm_check_response_sign"] = verdict
    return {
        "note": "Made by scripts/alipay/make_vectors.py with Alipay's SDKs and the throwaway test keys beside this file.",
        "sdks": {"alipay-sdk-python": version("alipay-sdk-python"),
                 "alipay-sdk (npm)": json.loads((HERE / "node_modules" / "alipay-sdk" / "package.json").read_text())["version"]},
        "app_id": APP_ID,
        "seller_id": SELLER_ID,
        "requests": requests(),
        "page_pay_url": page_pay_url(),
        "notifications": notes,
        "answers": answers_,
    }


def check_ours():
    """The SDKs' verdict on what our code signed; returns the failures."""
    ours = json.loads(OUR_VECTORS.read_text())
    failures = []
    for request in ours["requests"]:
        params = dict(request["params"])
        sign = params.pop("sign")
        content = get_sign_content(params)
        if content != request["sign_content"]:
            failures.append(f"request {request['name']}: SDK sign content differs")
        if not sdk_verifies(key("app_public_key"), content, sign):
            failures.append(f"request {request['name']}: SDK does not verify our signature")
    npm = npm_checks(ours["notifications"], ours["answers"])
    for note, verdict in zip(ours["notifications"], npm["notifications"]):
        expected = note["expect_valid"]
        got = (python_verifies_notification(note["body"]), verdict["check_notify_sign"], verdict["check_notify_sign_v2"])
        if got != (expected,) * 3:
            failures.append(f"notification {note['name']}: python, checkNotifySign, V2 = {got}, expected {expected}")
    for answer, verdict in zip(ours["answers"], npm["responses"]):
        expected = answer["expect_valid"]
        got = (python_accepts_answer(answer["body"]), verdict)
        if got != (expected, expected):
            failures.append(f"answer {answer['name']}: python, checkResponseSign = {got}, expected {expected}")
    print(f"alipay: SDKs checked {len(ours['requests'])} requests, {len(ours['notifications'])} notifications "
          f"and {len(ours['answers'])} answers signed by our code")
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
        failures.append("sdk_vectors.json differs from what the SDKs make now: rerun without --check")
    failures += check_ours()
    for failure in failures:
        print("FAIL", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
