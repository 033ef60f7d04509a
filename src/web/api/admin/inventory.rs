//! `GET /api/v1/admin/inventory`: the eSIM stock new-eSIM orders are sold from, and
//! whether it is low (`[inventory] low_stock_threshold`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::Result;
use crate::inventory;
use crate::staff::Permission;
use crate::web::api::refusals::{OPERATOR, refusals};

use super::Operator;

#[derive(Serialize, ToSchema)]
pub struct InventoryBody {
    /// eSIMs not yet sold.
    #[schema(example = 48)]
    pub free: i64,
    /// eSIMs given to new-eSIM orders.
    #[schema(example = 2)]
    pub sold: i64,
    #[schema(example = 50)]
    pub total: i64,
    /// `[inventory] low_stock_threshold`: at or below it the stock is low.
    #[schema(example = 20)]
    pub threshold: i64,
    /// Whether `free` is at or below `threshold`.
    pub low: bool,
    /// The same counts for each SM-DP+ address, alphabetical.
    pub by_smdp_address: Vec<SmdpStockBody>,
}

#[derive(Serialize, ToSchema)]
pub struct SmdpStockBody {
    #[schema(example = "rsp.example.hk")]
    pub smdp_address: String,
    pub free: i64,
    pub sold: i64,
    pub total: i64,
}

refusals!(ShowRefusals = [OPERATOR]);

/// The eSIM stock: free, sold and in all, by SM-DP+ address, and whether it is low.
/// Every role may read it.
#[utoipa::path(get, path = "/api/v1/admin/inventory", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = InventoryBody), ShowRefusals))]
pub async fn show(State(app): State<App>, operator: Operator) -> Result<Json<InventoryBody>> {
    operator.require(Permission::Read)?;
    let stock = inventory::stock(&app).await?;
    let threshold = app.config.inventory.low_stock_threshold;
    Ok(Json(InventoryBody {
        free: stock.counts.free,
        sold: stock.counts.sold,
        total: stock.counts.total(),
        threshold,
        low: stock.is_low(threshold),
        by_smdp_address: stock
            .by_address
            .iter()
            .map(|(address, counts)| SmdpStockBody {
                smdp_address: address.clone(),
                free: counts.free,
                sold: counts.sold,
                total: counts.total(),
            })
            .collect(),
    }))
}
