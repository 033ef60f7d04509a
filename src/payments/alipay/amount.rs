//! Alipay amounts are decimal strings in major units (`"88.00"`); ours are integer
//! minor units. Both directions are exact: no floats anywhere.

use crate::money::{Currency, Money};

/// The currency of an Alipay amount: `trans_currency` when the trade was priced in
/// another currency, else CNY (the Open Platform's own).
pub fn currency_of(trans_currency: Option<&str>) -> Option<Currency> {
    match trans_currency {
        Some(code) if !code.is_empty() => Currency::parse(code).ok(),
        _ => Currency::parse("CNY").ok(),
    }
}

/// `"88.00"` → 8800 minor units. At most as many decimals as the currency has; no
/// sign, exponent, spaces or thousands separators.
pub fn parse_amount(text: &str, currency: Currency) -> Option<Money> {
    let exponent = currency.exponent() as usize;
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return None,
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > exponent {
        return None;
    }
    let padded = format!("{whole}{fraction:0<exponent$}");
    // Leading zeros parse ("005" is 5); more than 18 digits overflow and are refused.
    let minor: i64 = padded.parse().ok()?;
    Some(Money::new(minor, currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap()
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_amount("88.00", cny()), Some(Money::new(8800, cny())));
        assert_eq!(parse_amount("0.05", cny()), Some(Money::new(5, cny())));
        assert_eq!(parse_amount("88", cny()), Some(Money::new(8800, cny())));
        assert_eq!(parse_amount("88.5", cny()), Some(Money::new(8850, cny())));
        assert_eq!(parse_amount("0.00", cny()), Some(Money::new(0, cny())));
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(parse_amount("500", jpy), Some(Money::new(500, jpy)));
        for bad in [
            "",
            ".",
            "88.",
            ".5",
            "-1.00",
            "+1.00",
            "88.001",
            "1e3",
            " 88.00",
            "88.00 ",
            "8,800.00",
            "88..0",
            "９",
            "99999999999999999999",
        ] {
            assert_eq!(parse_amount(bad, cny()), None, "{bad:?}");
        }
        assert_eq!(parse_amount("1.5", jpy), None);
    }

    #[test]
    fn trans_currency_or_cny() {
        assert_eq!(currency_of(None), Some(cny()));
        assert_eq!(currency_of(Some("")), Some(cny()));
        assert_eq!(currency_of(Some("HKD")), Some(Currency::HKD));
        assert_eq!(currency_of(Some("hkd")), None);
    }

    proptest! {
        #[test]
        fn decimal_round_trips(amount in 0i64..1_000_000_000_000) {
            let money = Money::new(amount, cny());
            prop_assert_eq!(parse_amount(&money.decimal(), cny()), Some(money));
        }
    }
}
