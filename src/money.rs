//! Money is an integer count of minor units with an ISO 4217 currency; never a float.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("currency must be a three-letter ISO 4217 code such as HKD")]
pub struct InvalidCurrency;

impl Currency {
    pub const HKD: Currency = Currency(*b"HKD");

    pub fn parse(text: &str) -> Result<Self, InvalidCurrency> {
        let bytes = text.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(InvalidCurrency)
        }
    }

    pub fn as_str(&self) -> &str {
        // Built only from three ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 exponent).
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }

    fn symbol(&self) -> &str {
        match self.as_str() {
            "HKD" => "HK$",
            "MOP" => "MOP$",
            "CNY" => "¥",
            "USD" => "US$",
            "EUR" => "€",
            "GBP" => "£",
            other => other,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = InvalidCurrency;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// Minor units (cents for HKD).
    pub amount: i64,
    #[schema(value_type = String, example = "HKD")]
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: i64, currency: Currency) -> Self {
        Self { amount, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount as a plain decimal string, e.g. `88.00` (what payment providers expect).
    pub fn decimal(&self) -> String {
        let exponent = self.currency.exponent();
        let sign = if self.amount < 0 { "-" } else { "" };
        let magnitude = self.amount.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{magnitude}");
        }
        let scale = 10u64.pow(exponent);
        format!(
            "{sign}{}.{:0width$}",
            magnitude / scale,
            magnitude % scale,
            width = exponent as usize
        )
    }
}

/// For people: `HK$128.00`, `HK$1,688.00`: the whole units grouped by thousands with
/// commas, as English and Chinese (Hong Kong and the mainland) both write amounts.
/// Providers and the API get [`Money::decimal`] and the integer, never this.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimal = self.decimal();
        let (sign, positive) = match decimal.strip_prefix('-') {
            Some(positive) => ("-", positive),
            None => ("", decimal.as_str()),
        };
        let (whole, fraction) = match positive.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (positive, None),
        };
        write!(
            f,
            "{sign}{}{}",
            self.currency.symbol(),
            group_thousands(whole)
        )?;
        match fraction {
            Some(fraction) => write!(f, ".{fraction}"),
            None => Ok(()),
        }
    }
}

/// `1688` → `1,688`.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `amount × basis_points / 10 000`, rounded half up, for non-negative inputs: how
/// every percentage (a payment fee's, a promotion's) becomes minor units.
pub fn percent_half_up(amount: i64, basis_points: i64) -> crate::error::Result<i64> {
    let product = i128::from(amount) * i128::from(basis_points);
    let rounded = (product + 5_000) / 10_000;
    i64::try_from(rounded)
        .map_err(|_| crate::error::Error::invalid(crate::error::Code::AmountTooLarge))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn currency_accepts_only_three_uppercase_letters() {
        assert!(Currency::parse("HKD").is_ok());
        for bad in ["hkd", "HK", "HKDD", "H1D", "", "ＨＫＤ"] {
            assert_eq!(Currency::parse(bad), Err(InvalidCurrency), "{bad}");
        }
    }

    #[test]
    fn money_renders_exactly() {
        assert_eq!(Money::new(8800, Currency::HKD).decimal(), "88.00");
        assert_eq!(Money::new(5, Currency::HKD).decimal(), "0.05");
        assert_eq!(Money::new(-1234, Currency::HKD).to_string(), "-HK$12.34");
        assert_eq!(
            Money::new(168_800, Currency::HKD).to_string(),
            "HK$1,688.00"
        );
        assert_eq!(Money::new(99_900, Currency::HKD).to_string(), "HK$999.00");
        assert_eq!(
            Money::new(-123_456_789, Currency::HKD).to_string(),
            "-HK$1,234,567.89"
        );
        assert_eq!(
            Money::new(1_000_000, Currency::parse("JPY").unwrap()).to_string(),
            "JPY1,000,000"
        );
        // What providers and the API get stays plain.
        assert_eq!(Money::new(168_800, Currency::HKD).decimal(), "1688.00");
        assert_eq!(
            Money::new(500, Currency::parse("JPY").unwrap()).decimal(),
            "500"
        );
    }

    proptest! {
        #[test]
        fn decimal_round_trips(amount in -10_000_000_000i64..10_000_000_000) {
            let text = Money::new(amount, Currency::HKD).decimal();
            let parsed: i64 = text.replace('.', "").parse().unwrap();
            prop_assert_eq!(parsed, amount);
        }
    }
}
