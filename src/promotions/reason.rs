//! Why a promotion applied, as a message-catalog key and its arguments, so that the
//! breakdown reads in the subscriber's language — today's, not the one of the day
//! the order was made.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, tf, tn};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// A key under `promotion.reason` in the catalogs.
    pub key: String,
    pub args: BTreeMap<String, String>,
}

impl Reason {
    /// Why an order got a promotion: `promotion.reason.<key>`.
    pub fn new(key: &str, args: &[(&str, String)]) -> Reason {
        Reason::keyed(format!("promotion.reason.{key}"), args)
    }

    /// Who an offer is for, on the plans page: `promotion.offer.<key>`.
    pub fn offer(key: &str, args: &[(&str, String)]) -> Reason {
        Reason::keyed(format!("promotion.offer.{key}"), args)
    }

    fn keyed(key: String, args: &[(&str, String)]) -> Reason {
        Reason {
            key,
            args: args
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
        }
    }

    /// The reason for people, in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        let args: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        match self.args.get("count").and_then(|n| n.parse::<i64>().ok()) {
            Some(count) => tn(locale, &self.key, count, &args),
            None => tf(locale, &self.key, &args),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_in_both_languages() {
        let reasons = [
            Reason::new("first_period_plan", &[("off", "30 %".into())]),
            Reason::new("first_period_any", &[("off", "30 %".into())]),
            Reason::new(
                "free_periods",
                &[
                    ("buy", "3".into()),
                    ("free", "1".into()),
                    ("count", "1".into()),
                ],
            ),
            Reason::new(
                "coupon",
                &[("code", "WELCOME10".into()), ("off", "10 %".into())],
            ),
        ];
        for reason in reasons {
            for locale in Locale::ALL {
                let text = reason.text(locale);
                assert!(
                    !text.contains('{') && !text.starts_with("promotion."),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn counts_read_in_the_singular_and_the_plural() {
        let free = |count: &str| {
            Reason::new(
                "free_periods",
                &[
                    ("buy", "3".into()),
                    ("free", count.into()),
                    ("count", count.into()),
                ],
            )
            .text(Locale::En)
        };
        assert!(
            free("1").contains("1 more period at no charge"),
            "{}",
            free("1")
        );
        assert!(
            free("2").contains("2 more periods at no charge"),
            "{}",
            free("2")
        );
        assert!(!free("1").contains("(s)") && !free("2").contains("(s)"));
    }
}
