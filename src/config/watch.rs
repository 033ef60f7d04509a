//! `[watch]`: how the watch for abnormal charges and usage looks (see `crate::watch`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// The background scan runs this often (it reads only the recent window).
    pub scan_secs: u64,
    /// The same card or wallet charged more than this many times…
    pub charges_per_window: u32,
    /// …within this many minutes is reported.
    pub charge_window_minutes: i64,
    /// A day's use is far above the line's own history when it passes the median of
    /// the last 30 days by this many spreads (the median absolute deviation, scaled
    /// to a standard deviation; never less than a quarter of the median or 50 MB)…
    pub usage_spreads: u32,
    /// …and is at least this many megabytes (10⁶ bytes), so that a quiet line's first
    /// real day does not count.
    pub usage_floor_mb: u64,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            scan_secs: 120,
            charges_per_window: 3,
            charge_window_minutes: 60,
            usage_spreads: 6,
            usage_floor_mb: 2000,
        }
    }
}

impl WatchConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(10..=86_400).contains(&self.scan_secs) {
            anyhow::bail!("watch.scan_secs must be 10–86400");
        }
        if !(1..=1000).contains(&self.charges_per_window)
            || !(1..=7 * 24 * 60).contains(&self.charge_window_minutes)
        {
            anyhow::bail!(
                "watch.charges_per_window must be 1–1000 and watch.charge_window_minutes 1–10080"
            );
        }
        if !(1..=100).contains(&self.usage_spreads)
            || !(1..=10_000_000).contains(&self.usage_floor_mb)
        {
            anyhow::bail!("watch.usage_spreads must be 1–100 and watch.usage_floor_mb 1–10000000");
        }
        Ok(())
    }

    pub fn usage_floor_bytes(&self) -> u64 {
        self.usage_floor_mb.saturating_mul(1_000_000)
    }

    pub fn charge_window(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.charge_window_minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::WatchConfig;

    #[test]
    fn the_watch_is_checked() {
        assert!(WatchConfig::default().validate().is_ok());
        for bad in [
            WatchConfig {
                scan_secs: 1,
                ..WatchConfig::default()
            },
            WatchConfig {
                charges_per_window: 0,
                ..WatchConfig::default()
            },
            WatchConfig {
                charge_window_minutes: 0,
                ..WatchConfig::default()
            },
            WatchConfig {
                usage_spreads: 0,
                ..WatchConfig::default()
            },
            WatchConfig {
                usage_floor_mb: 0,
                ..WatchConfig::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
