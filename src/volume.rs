//! Data volumes: bytes of mobile data, as plans sell them and the network reports them.
//! Stored as `BIGINT`; a stored value that is negative is a corrupt row, never zero.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct DataVolume(u64);

impl DataVolume {
    pub const ZERO: DataVolume = DataVolume(0);

    pub const fn bytes(bytes: u64) -> DataVolume {
        DataVolume(bytes)
    }

    pub const fn as_bytes(self) -> u64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// A volume read back from a `BIGINT` column: a negative value is a corrupt row.
    pub fn from_stored(value: i64) -> Result<DataVolume> {
        u64::try_from(value)
            .map(DataVolume)
            .map_err(|_| Error::internal(anyhow::anyhow!("stored data volume {value} is negative")))
    }

    /// The `BIGINT` to store: a volume beyond `i64::MAX` bytes cannot be stored.
    pub fn to_stored(self) -> Result<i64> {
        i64::try_from(self.0).map_err(|_| {
            Error::internal(anyhow::anyhow!(
                "data volume {} is too large to store",
                self.0
            ))
        })
    }

    pub fn checked_add(self, other: DataVolume) -> Option<DataVolume> {
        self.0.checked_add(other.0).map(DataVolume)
    }

    pub fn checked_sub(self, other: DataVolume) -> Option<DataVolume> {
        self.0.checked_sub(other.0).map(DataVolume)
    }

    /// What is left of `self` after `used`, never below zero.
    pub fn saturating_sub(self, used: DataVolume) -> DataVolume {
        DataVolume(self.0.saturating_sub(used.0))
    }

    pub fn min(self, other: DataVolume) -> DataVolume {
        DataVolume(self.0.min(other.0))
    }
}

impl From<u64> for DataVolume {
    fn from(bytes: u64) -> Self {
        DataVolume(bytes)
    }
}

/// `21474836480` → `20 GB` (binary multiples, as operators sell them).
impl fmt::Display for DataVolume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
        let mut value = self.0 as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 || (value.fract() * 10.0).round() == 0.0 || value >= 100.0 {
            write!(f, "{value:.0} {}", UNITS[unit])
        } else {
            write!(f, "{value:.1} {}", UNITS[unit])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_binary_multiples() {
        assert_eq!(DataVolume::bytes(21_474_836_480).to_string(), "20 GB");
        assert_eq!(DataVolume::bytes(512).to_string(), "512 B");
        assert_eq!(DataVolume::bytes(1536).to_string(), "1.5 KB");
        assert_eq!(DataVolume::bytes(150 * 1024 * 1024).to_string(), "150 MB");
    }

    #[test]
    fn stored_values_round_trip_and_corrupt_ones_fail() {
        assert_eq!(DataVolume::from_stored(42).unwrap(), DataVolume::bytes(42));
        assert!(DataVolume::from_stored(-1).is_err());
        assert!(DataVolume::bytes(u64::MAX).to_stored().is_err());
        assert_eq!(DataVolume::bytes(7).to_stored().unwrap(), 7);
    }

    #[test]
    fn arithmetic_is_checked() {
        let five = DataVolume::bytes(5);
        assert_eq!(five.checked_sub(DataVolume::bytes(6)), None);
        assert_eq!(five.saturating_sub(DataVolume::bytes(6)), DataVolume::ZERO);
        assert_eq!(DataVolume::bytes(u64::MAX).checked_add(five), None);
    }
}
