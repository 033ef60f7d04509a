//! `[operator]`: who issues the receipts and statements: the legal name, the address
//! and the business registration number printed on each.

use anyhow::bail;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    /// The company's registered name: `Harbour Mobile Limited 海港流動有限公司`.
    pub legal_name: String,
    /// The address on the receipts; a comma or `\n` starts a new line on paper.
    pub address: String,
    /// The business registration number (Hong Kong: 8 digits, e.g. `12345678`, or the
    /// full certificate number `12345678-000-12-25-A`).
    pub business_registration: String,
}

impl OperatorConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, value, longest) in [
            ("legal_name", &self.legal_name, 120),
            ("address", &self.address, 300),
            ("business_registration", &self.business_registration, 40),
        ] {
            if value.chars().count() > longest {
                bail!("operator.{name} is longer than {longest} characters");
            }
            if value.chars().any(|c| c.is_control() && c != '\n') {
                bail!("operator.{name} holds a control character");
            }
        }
        let registration = self.business_registration.trim();
        let well_formed = registration.len() >= 8
            && registration.chars().take(8).all(|c| c.is_ascii_digit())
            && registration
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !registration.is_empty() && !well_formed {
            bail!(
                "operator.business_registration {registration:?} must start with the 8 digits of the registration number (letters, digits and - after them), e.g. \"12345678\""
            );
        }
        if self.legal_name.trim().is_empty()
            && !(self.address.trim().is_empty() && registration.is_empty())
        {
            bail!(
                "operator.address or operator.business_registration is set but operator.legal_name is empty"
            );
        }
        Ok(())
    }

    /// The demo's made-up operator.
    pub fn demo() -> OperatorConfig {
        OperatorConfig {
            legal_name: "Datacard Demo Limited 數據卡示範有限公司".into(),
            address: "Unit 1201, 12/F, Harbour Centre, 25 Harbour Road, Wan Chai, Hong Kong".into(),
            business_registration: "12345678".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OperatorConfig;

    fn operator(name: &str, address: &str, registration: &str) -> OperatorConfig {
        OperatorConfig {
            legal_name: name.into(),
            address: address.into(),
            business_registration: registration.into(),
        }
    }

    #[test]
    fn well_formed_operators_pass() {
        assert!(OperatorConfig::default().validate().is_ok());
        assert!(OperatorConfig::demo().validate().is_ok());
        assert!(
            operator("Harbour Mobile Limited", "", "12345678-000-12-25-A")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn bad_operators_are_refused_naming_the_setting() {
        for (bad, setting) in [
            (operator("X", "", "1234"), "business_registration"),
            (operator("X", "", "ABCDEFGH"), "business_registration"),
            (operator("X", "", "12345678 <b>"), "business_registration"),
            (operator("", "1 Road", ""), "legal_name"),
            (operator("X\u{7}", "", ""), "legal_name"),
            (operator(&"x".repeat(121), "", ""), "legal_name"),
        ] {
            let error = bad.validate().expect_err("refused").to_string();
            assert!(error.contains(setting), "{error}");
        }
    }
}
