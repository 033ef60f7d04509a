//! The demo's saved replies for support cases, in each language (an operator writes
//! their own in the console); the help centre's starter articles come with every
//! installation (`help::starter`), the demo only makes sure they are there.

use crate::app::App;
use crate::tickets::canned;

const REPLIES: &[(&str, &str, &str)] = &[
    (
        "zh-HK",
        "付款已確認",
        "你好！我們已向支付服務商確認收到你的付款，訂單現已生效，計劃已加到你的 eSIM。如仍有問題，請直接回覆這個個案。",
    ),
    (
        "zh-HK",
        "需要更多資料",
        "你好！為了盡快協助你，請提供付款時間、金額，以及銀行或錢包應用程式上的交易編號（請勿提供完整卡號）。謝謝！",
    ),
    (
        "zh-CN",
        "付款已确认",
        "你好！我们已向支付服务商确认收到你的付款，订单现已生效，套餐已加到你的 eSIM。如仍有问题，请直接回复这个工单。",
    ),
    (
        "zh-CN",
        "需要更多信息",
        "你好！为了尽快帮助你，请提供付款时间、金额，以及银行或钱包应用中的交易编号（请勿提供完整卡号）。谢谢！",
    ),
    (
        "en",
        "Payment confirmed",
        "Hello! The payment provider has confirmed your payment: the order has gone through and the plan is on your eSIM. If anything is still wrong, just reply here.",
    ),
    (
        "en",
        "More details, please",
        "Hello! To help you quickly, please send the time of the payment, the amount and the transaction number your bank or wallet app shows (never your full card number). Thank you!",
    ),
];

/// Writes the saved replies when there are none; running it again changes nothing.
pub async fn seed(app: &App) -> anyhow::Result<()> {
    crate::help::starter::seed(app).await?;
    if !canned::list(app, None).await?.is_empty() {
        return Ok(());
    }
    for (language, title, body) in REPLIES {
        canned::save(app, "demo", None, language, title, body).await?;
    }
    Ok(())
}
