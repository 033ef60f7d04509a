//! Finding orders for the back office: whose an order is, which order a receipt is
//! for.

use crate::app::App;
use crate::error::Result;

/// The account an order belongs to.
pub async fn account_of(app: &App, order_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT account_id FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(app.db.reader())
            .await?,
    )
}

/// The order a receipt number was issued for.
pub async fn order_of_receipt(app: &App, number: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT order_id FROM receipts WHERE number = $1")
            .bind(number)
            .fetch_optional(app.db.reader())
            .await?,
    )
}

/// The receipt number of an order, once it has one.
pub async fn receipt_number(app: &App, order_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT number FROM receipts WHERE order_id = $1")
            .bind(order_id)
            .fetch_optional(app.db.reader())
            .await?,
    )
}
