//! E.164 phone numbers, e.g. `+85291234567`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::PhoneRegion;
use crate::error::{Code, Error};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts `+` and 8–15 digits (the first not 0); spaces, dots, dashes and
    /// brackets people type between digits are dropped.
    pub fn parse(input: &str) -> Result<Phone, Error> {
        let invalid = || Error::invalid(Code::InvalidPhone).on_field("phone");
        let trimmed = input.trim();
        let rest = trimmed.strip_prefix('+').ok_or_else(invalid)?;
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(invalid());
        }
        Ok(Phone(format!("+{digits}")))
    }

    /// What people type: the international form as [`Phone::parse`], `00` for `+`,
    /// the country code without `+` (`852 9123 4567`), or a national number of the
    /// region's length (`9123 4567` in Hong Kong), all normalised to E.164.
    /// A number in the region's own country code has the region's length: `+852`
    /// and seven digits is a typo, not a number to text.
    pub fn parse_in(input: &str, region: PhoneRegion) -> Result<Phone, Error> {
        let phone = Phone::parse_typed(input, region)?;
        let code = region.country_code();
        match phone.0[1..].strip_prefix(code) {
            Some(national) if national.len() != region.national_digits() => {
                Err(Error::invalid(Code::InvalidPhone).on_field("phone"))
            }
            _ => Ok(phone),
        }
    }

    fn parse_typed(input: &str, region: PhoneRegion) -> Result<Phone, Error> {
        let trimmed = input.trim();
        if trimmed.starts_with('+') {
            return Phone::parse(trimmed);
        }
        let invalid = || Error::invalid(Code::InvalidPhone).on_field("phone");
        let mut digits = String::with_capacity(20);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        let code = region.country_code();
        let national = region.national_digits();
        let international = if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if digits.len() == code.len() + national && digits.starts_with(code) {
            digits
        } else if digits.len() == national && !digits.starts_with('0') {
            format!("{code}{digits}")
        } else {
            return Err(invalid());
        };
        Phone::parse(&format!("+{international}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+852 •••• 4567`: enough to recognise, not enough to harvest.
    pub fn masked(&self) -> String {
        let tail = &self.0[self.0.len().saturating_sub(4)..];
        let head = &self.0[..self.0.len().min(4)];
        format!("{head} •••• {tail}")
    }
}

impl TryFrom<String> for Phone {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_what_people_type() {
        assert_eq!(
            Phone::parse("+852 9123 4567").unwrap().as_str(),
            "+85291234567"
        );
        assert_eq!(
            Phone::parse(" +86 (138) 0013-8000 ").unwrap().as_str(),
            "+8613800138000"
        );
    }

    #[test]
    fn refuses_non_e164() {
        for bad in [
            "91234567",
            "+0852912345",
            "+852",
            "+852 9123 456a",
            "+1234567890123456",
            "",
            "+",
            "＋85291234567",
            "+852\u{0}91234567",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reads_local_and_international_forms_in_the_region() {
        for typed in [
            "98765432",
            "9876 5432",
            "9876-5432",
            "+852 9876 5432",
            "00852 9876 5432",
            "852 9876 5432",
            "85298765432",
        ] {
            assert_eq!(
                Phone::parse_in(typed, PhoneRegion::HK).unwrap().as_str(),
                "+85298765432",
                "{typed:?}"
            );
        }
        assert_eq!(
            Phone::parse_in("0086 138 0013 8000", PhoneRegion::HK)
                .unwrap()
                .as_str(),
            "+8613800138000"
        );
        assert_eq!(
            Phone::parse_in("138 0013 8000", PhoneRegion::CN)
                .unwrap()
                .as_str(),
            "+8613800138000"
        );
        for bad in [
            "9876543",
            "987654321",
            "09876543",
            "9876 543a",
            "abcdefgh",
            "",
            "00",
            "8529876543",
            "00852 9876 543",
            "+852 9876 543",
            "+852 9876 54321",
            "１２３４５６７８",
        ] {
            assert!(Phone::parse_in(bad, PhoneRegion::HK).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(
            Phone::parse("+85291234567").unwrap().masked(),
            "+852 •••• 4567"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_output_is_canonical(input in "\\PC{0,24}") {
            if let Ok(phone) = Phone::parse(&input) {
                prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone.clone());
                prop_assert!(phone.as_str()[1..].bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
