//! `gateway.do`: the common parameters and the RSA2 signature checked as Alipay
//! checks them, then the trade APIs.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

use crate::payments::alipay::amount::{currency_of, parse_amount};
use crate::payments::alipay::sign::{Params, sign_content};

use super::super::{keys, random_digits};
use super::{Fake, Status, Trade};

type Pairs = Vec<(String, String)>;

fn failed(sub_code: &str, sub_msg: &str) -> Value {
    json!({ "code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg })
}

fn invalid(sub_code: &str, sub_msg: &str) -> Value {
    json!({ "code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg })
}

fn success(fields: Value) -> Value {
    let mut content = json!({ "code": "10000", "msg": "Success" });
    if let (Some(content), Value::Object(fields)) = (content.as_object_mut(), fields) {
        content.extend(fields);
    }
    content
}

/// The request as Alipay reads it: the method and `biz_content`, or the answer that
/// refuses it.
fn checked(fake: &Fake, pairs: Pairs) -> Result<(String, Params, Map<String, Value>), Value> {
    let mut params = Params::new();
    for (key, value) in pairs {
        if params.insert(key, value).is_some() {
            return Err(invalid("isv.invalid-parameter", "参数重复"));
        }
    }
    let field = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    if field("app_id") != keys::ALIPAY_APP_ID {
        return Err(invalid("isv.invalid-app-id", "无效的AppID参数"));
    }
    if field("sign_type") != "RSA2" {
        return Err(invalid("isv.invalid-signature-type", "无效的签名类型"));
    }
    if !field("charset").eq_ignore_ascii_case("utf-8") {
        return Err(invalid("isv.invalid-charset", "字符集错误"));
    }
    if NaiveDateTime::parse_from_str(field("timestamp"), "%Y-%m-%d %H:%M:%S").is_err() {
        return Err(invalid("isv.invalid-timestamp", "非法的时间戳参数"));
    }
    if !fake
        .app_key
        .verify_base64(sign_content(&params).as_bytes(), field("sign"))
    {
        return Err(invalid(
            "isv.invalid-signature",
            "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配",
        ));
    }
    let Ok(Value::Object(biz)) = serde_json::from_str::<Value>(field("biz_content")) else {
        return Err(invalid(
            "isv.invalid-biz-content",
            "biz_content 不是 JSON 对象",
        ));
    };
    Ok((field("method").to_owned(), params, biz))
}

fn text<'a>(biz: &'a Map<String, Value>, name: &str) -> &'a str {
    biz.get(name).and_then(Value::as_str).unwrap_or_default()
}

impl Fake {
    /// A new trade from `biz_content` (precreate, page and wap pay), or the same one
    /// again when asked twice alike.
    fn open_trade(
        &self,
        biz: &Map<String, Value>,
        params: &Params,
        status: Status,
    ) -> Result<Trade, Value> {
        let out_trade_no = text(biz, "out_trade_no");
        let total_amount = text(biz, "total_amount");
        let trans_currency = biz
            .get("trans_currency")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let money = currency_of(trans_currency.as_deref())
            .and_then(|currency| parse_amount(total_amount, currency))
            .filter(|money| money.amount > 0);
        let (Some(money), false, false) = (
            money,
            out_trade_no.is_empty(),
            text(biz, "subject").is_empty(),
        ) else {
            return Err(invalid(
                "isv.invalid-parameter",
                "out_trade_no, subject 或 total_amount 无效",
            ));
        };
        let expires = NaiveDateTime::parse_from_str(text(biz, "time_expire"), "%Y-%m-%d %H:%M:%S")
            .ok()
            .map(|at| Utc.from_utc_datetime(&(at - chrono::Duration::hours(8))));
        let mut trades = self.trades();
        if let Some(trade) = trades.get(out_trade_no) {
            return match trade.status {
                Status::Success => Err(failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")),
                Status::Closed => Err(failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")),
                _ if trade.money != money => {
                    Err(failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"))
                }
                _ => Ok(trade.clone()),
            };
        }
        let now = self.app.now();
        let trade = Trade {
            out_trade_no: out_trade_no.to_owned(),
            trade_no: format!("{}22001{}", now.format("%Y%m%d"), random_digits(15)),
            subject: text(biz, "subject").to_owned(),
            total_amount: total_amount.to_owned(),
            trans_currency,
            money,
            notify_url: params.get("notify_url").cloned(),
            return_url: params.get("return_url").cloned(),
            status,
            refunded: 0,
            refunds: Vec::new(),
            created: now,
            paid: None,
            expires,
        };
        trades.insert(trade.out_trade_no.clone(), trade.clone());
        Ok(trade)
    }

    fn find(&self, biz: &Map<String, Value>) -> Option<Trade> {
        let trades = self.trades();
        match text(biz, "out_trade_no") {
            "" => trades
                .values()
                .find(|t| t.trade_no == text(biz, "trade_no"))
                .cloned(),
            out_trade_no => trades.get(out_trade_no).cloned(),
        }
    }

    fn query(&self, biz: &Map<String, Value>) -> Value {
        match self.find(biz).filter(|t| t.status != Status::Unscanned) {
            None => failed("ACQ.TRADE_NOT_EXIST", "交易不存在"),
            Some(trade) => {
                let mut fields: Map<String, Value> = Self::trade_fields(&trade)
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), json!(v)))
                    .collect();
                fields.insert("buyer_logon_id".into(), json!("fak***@example.com"));
                if let Some(paid) = trade.paid {
                    fields.insert(
                        "send_pay_date".into(),
                        json!(crate::payments::alipay::gateway::beijing_time(paid)),
                    );
                }
                success(Value::Object(fields))
            }
        }
    }

    fn close(&self, biz: &Map<String, Value>) -> Value {
        let Some(trade) = self.find(biz) else {
            return failed("ACQ.TRADE_NOT_EXIST", "交易不存在");
        };
        let closed = self.advance(
            &trade.out_trade_no,
            &[Status::Unscanned, Status::WaitBuyerPay],
            Status::Closed,
        );
        match (trade.status, closed) {
            // Never scanned: no trade at Alipay, and its QR code pays nothing any more.
            (Status::Unscanned, _) => failed("ACQ.TRADE_NOT_EXIST", "交易不存在"),
            (_, Some((true, _))) => {
                success(json!({ "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no }))
            }
            _ => failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
        }
    }

    fn refund(&self, biz: &Map<String, Value>) -> Value {
        let Some(trade) = self.find(biz).filter(|t| t.status != Status::Unscanned) else {
            return failed("ACQ.TRADE_NOT_EXIST", "交易不存在");
        };
        let request_no = match text(biz, "out_request_no") {
            "" => trade.out_trade_no.clone(),
            no => no.to_owned(),
        };
        let answer = |trade: &Trade, fund_change: &str| {
            let refund_fee =
                crate::money::Money::new(trade.refunded, trade.money.currency).decimal();
            success(
                json!({ "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": "fak***@example.com", "fund_change": fund_change, "refund_fee": refund_fee }),
            )
        };
        if trade.refunds.contains(&request_no) {
            return answer(&trade, "N");
        }
        if trade.paid.is_none() {
            return failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
        }
        let currency_ok = text(biz, "refund_currency").is_empty()
            || Some(text(biz, "refund_currency")) == trade.trans_currency.as_deref();
        let Some(amount) =
            parse_amount(text(biz, "refund_amount"), trade.money.currency).filter(|a| {
                currency_ok && a.amount > 0 && trade.refunded + a.amount <= trade.money.amount
            })
        else {
            return failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
        };
        let trade = {
            let mut trades = self.trades();
            let Some(stored) = trades.get_mut(&trade.out_trade_no) else {
                return failed("ACQ.TRADE_NOT_EXIST", "交易不存在");
            };
            stored.refunded += amount.amount;
            stored.refunds.push(request_no.clone());
            if stored.refunded == stored.money.amount {
                stored.status = Status::Closed;
            }
            stored.clone()
        };
        if trade.status == Status::Closed {
            let refund_fee =
                crate::money::Money::new(trade.refunded, trade.money.currency).decimal();
            let gmt_refund = crate::payments::alipay::gateway::beijing_time(self.app.now());
            self.notify(
                &trade,
                &[
                    ("refund_fee", refund_fee),
                    ("gmt_refund", gmt_refund),
                    ("out_biz_no", request_no),
                ],
            );
        }
        answer(&trade, "Y")
    }

    /// Page and wap pay: the trade opens when the payer reaches the cashier.
    fn cashier(&self, biz: &Map<String, Value>, params: &Params) -> Result<String, Value> {
        let trade = self.open_trade(biz, params, Status::WaitBuyerPay)?;
        Ok(format!("{}/cashier/{}", self.base(), trade.trade_no))
    }

    fn handle(&self, pairs: Pairs) -> Response {
        let (method, params, biz) = match checked(self, pairs) {
            Ok(checked) => checked,
            Err(refusal) => {
                return self.answer("error", &refusal);
            }
        };
        let content = match method.as_str() {
            "alipay.trade.precreate" => match self.open_trade(&biz, &params, Status::Unscanned) {
                Ok(trade) => success(json!({ "out_trade_no": trade.out_trade_no,
                    "qr_code": format!("{}/qr/{}", self.base(), trade.trade_no) })),
                Err(refusal) => refusal,
            },
            "alipay.trade.query" => self.query(&biz),
            "alipay.trade.close" => self.close(&biz),
            "alipay.trade.refund" => self.refund(&biz),
            "alipay.trade.page.pay" | "alipay.trade.wap.pay" => match self.cashier(&biz, &params) {
                Ok(url) => return Redirect::to(&url).into_response(),
                Err(refusal) => refusal,
            },
            _ => invalid("isv.invalid-method", "不存在的方法名"),
        };
        self.answer(&method, &content)
    }
}

/// Server-to-server calls (and page pay's auto-submitted form).
pub async fn posted(State(fake): State<Arc<Fake>>, Form(pairs): Form<Pairs>) -> Response {
    fake.handle(pairs)
}

/// Page and wap pay: the payer's browser brings the signed call.
pub async fn redirected(State(fake): State<Arc<Fake>>, Query(pairs): Query<Pairs>) -> Response {
    fake.handle(pairs)
}
