//! ICCIDs (ITU-T E.118): 19 or 20 digits starting `89`, the last a Luhn check digit.
//! Some systems pad 19-digit ICCIDs with a trailing `F`; we drop it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iccid(String);

impl Iccid {
    pub fn parse(input: &str) -> Result<Iccid, Error> {
        let invalid = || Error::invalid(Code::InvalidIccid).on_field("iccid");
        let mut digits: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if digits.ends_with(['F', 'f']) {
            digits.pop();
        }
        if !(19..=20).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || !digits.starts_with("89")
        {
            return Err(invalid());
        }
        if !luhn_valid(&digits) {
            return Err(invalid());
        }
        Ok(Iccid(digits))
    }

    /// An ICCID read back from storage: one that does not parse is a corrupt row.
    pub fn from_stored(text: &str) -> Result<Iccid, Error> {
        Iccid::parse(text)
            .map_err(|_| Error::internal(anyhow::anyhow!("stored ICCID {text:?} is not valid")))
    }

    /// Completes `body` (18 or 19 digits) with its check digit.
    pub fn with_check_digit(body: &str) -> Result<Iccid, Error> {
        let check = luhn_check_digit(body).ok_or_else(|| Error::invalid(Code::InvalidIccid))?;
        Iccid::parse(&format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn luhn_sum(digits: &str, double_first: bool) -> Option<u32> {
    let mut sum = 0;
    for (i, byte) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(byte.checked_sub(b'0').filter(|d| *d <= 9)?);
        if (i % 2 == 0) == double_first {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some(sum)
}

fn luhn_valid(digits: &str) -> bool {
    luhn_sum(digits, false).is_some_and(|sum| sum % 10 == 0)
}

fn luhn_check_digit(body: &str) -> Option<char> {
    let sum = luhn_sum(body, true)?;
    char::from_digit((10 - sum % 10) % 10, 10)
}

impl TryFrom<String> for Iccid {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Iccid::parse(&value)
    }
}

impl From<Iccid> for String {
    fn from(value: Iccid) -> Self {
        value.0
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_shapes_and_normalises() {
        // A 19-digit ICCID and its padded 20-nibble form.
        let iccid = Iccid::with_check_digit("898520000000000001").unwrap();
        assert_eq!(iccid.as_str().len(), 19);
        assert_eq!(
            Iccid::parse(&format!("{}F", iccid.as_str())).unwrap(),
            iccid
        );
        assert_eq!(
            Iccid::parse(&format!("{}f", iccid.as_str())).unwrap(),
            iccid
        );
        let spaced: String = iccid
            .as_str()
            .chars()
            .enumerate()
            .flat_map(|(i, c)| if i % 4 == 3 { vec![c, ' '] } else { vec![c] })
            .collect();
        assert_eq!(Iccid::parse(&spaced).unwrap(), iccid);
        assert!(Iccid::with_check_digit("8985200000000000012").is_ok());
    }

    #[test]
    fn refuses_bad_check_digits_lengths_and_prefixes() {
        let good = Iccid::with_check_digit("898520000000000001")
            .unwrap()
            .to_string();
        let last = good.chars().last().unwrap().to_digit(10).unwrap();
        let wrong = format!("{}{}", &good[..18], (last + 1) % 10);
        for bad in [
            wrong.as_str(),
            "8985200000000000",
            "",
            "89852000000000000012345",
            "1985200000000000017",
            "89852000000000000A1",
            "FFFFFFFFFFFFFFFFFFF",
        ] {
            assert!(Iccid::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn any_body_with_its_check_digit_parses(body in "89[0-9]{16,17}") {
            let iccid = Iccid::with_check_digit(&body).unwrap();
            prop_assert!(iccid.as_str().starts_with(&body));
        }

        #[test]
        fn a_single_changed_digit_is_caught(body in "89[0-9]{17}", position in 2usize..19, delta in 1u32..10) {
            let iccid = Iccid::with_check_digit(&body).unwrap().to_string();
            let mut chars: Vec<char> = iccid.chars().collect();
            let d = chars[position].to_digit(10).unwrap();
            chars[position] = char::from_digit((d + delta) % 10, 10).unwrap();
            let altered: String = chars.into_iter().collect();
            prop_assert!(Iccid::parse(&altered).is_err());
        }
    }
}
