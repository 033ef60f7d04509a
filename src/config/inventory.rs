//! The `[inventory]` section: when the eSIM stock counts as low.

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// The eSIM stock new-eSIM orders are sold from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InventoryConfig {
    /// With this many free eSIMs or fewer, the console warns and the admins are told
    /// once (an audit entry, and an email to `[support] email` when set) until the
    /// stock is above it again.
    pub low_stock_threshold: i64,
}

impl InventoryConfig {
    pub const MAX_THRESHOLD: i64 = 1_000_000;

    pub fn validate(&self) -> anyhow::Result<()> {
        if !(0..=Self::MAX_THRESHOLD).contains(&self.low_stock_threshold) {
            bail!(
                "inventory.low_stock_threshold must be between 0 and {} eSIMs (got {})",
                Self::MAX_THRESHOLD,
                self.low_stock_threshold
            );
        }
        Ok(())
    }
}

impl Default for InventoryConfig {
    fn default() -> Self {
        Self {
            low_stock_threshold: 20,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InventoryConfig;

    #[test]
    fn the_threshold_is_a_count_of_esims() {
        assert!(InventoryConfig::default().validate().is_ok());
        for ok in [0, 20, InventoryConfig::MAX_THRESHOLD] {
            let config = InventoryConfig {
                low_stock_threshold: ok,
            };
            assert!(config.validate().is_ok(), "{ok}");
        }
        for bad in [-1, InventoryConfig::MAX_THRESHOLD + 1] {
            let error = InventoryConfig {
                low_stock_threshold: bad,
            }
            .validate()
            .expect_err("out of range")
            .to_string();
            assert!(error.contains("inventory.low_stock_threshold"), "{error}");
        }
    }
}
