//! How much eSIM stock there is: free (not yet sold), sold and in all, and the same
//! for each SM-DP+ address the profiles are downloaded from.

use sqlx::Row;

use crate::app::App;
use crate::error::Result;

/// Counts of eSIM profiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Not yet given to an order.
    pub free: i64,
    /// Given to a new-eSIM order.
    pub sold: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.free + self.sold
    }
}

/// The stock as a whole, and by SM-DP+ address (alphabetical).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stock {
    pub counts: Counts,
    pub by_address: Vec<(String, Counts)>,
}

impl Stock {
    /// Whether the free eSIMs are at or below `threshold` (`[inventory] low_stock_threshold`).
    pub fn is_low(&self, threshold: i64) -> bool {
        self.counts.free <= threshold
    }
}

/// The stock now.
pub async fn stock(app: &App) -> Result<Stock> {
    let rows = sqlx::query(
        "SELECT smdp_address, \
         SUM(CASE WHEN order_id IS NULL THEN 1 ELSE 0 END) AS free, \
         SUM(CASE WHEN order_id IS NULL THEN 0 ELSE 1 END) AS sold \
         FROM esim_inventory GROUP BY smdp_address ORDER BY smdp_address",
    )
    .fetch_all(app.db.reader())
    .await?;
    let mut stock = Stock::default();
    for row in rows {
        let counts = Counts {
            free: row.try_get("free")?,
            sold: row.try_get("sold")?,
        };
        stock.counts.free += counts.free;
        stock.counts.sold += counts.sold;
        stock
            .by_address
            .push((row.try_get("smdp_address")?, counts));
    }
    Ok(stock)
}
