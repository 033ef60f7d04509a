//! The catalog file operators import (`datacard plans import FILE`), in TOML:
//!
//! ```toml
//! [[plans]]
//! code = "HK-30D-20G"
//! zone = "hk"                      # hk | hk_mo | cn_hk_mo
//! period = { unit = "day", count = 30 }
//! data = "20 GB"                   # or bytes, or "unlimited" with fair_use + throttle_kbps
//! prices = { HKD = 8800 }          # minor units
//! names = { en = "Hong Kong 30 days 20 GB", "zh-HK" = "香港 30 日 20GB" }
//! # retired = true                 # no new sales; lines keep their periods
//! # effective_from = 2026-12-01T00:00:00+08:00   # when a changed version goes on sale
//! ```
//!
//! and the offers on them, `[[promotions]]` and `[[coupons]]`, which
//! [`crate::promotions::catalog_file`] checks after the plans.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::money::Currency;

use super::entry::PlanEntry;
use super::fields::{Problem, instant, names};
use super::plan::{Allowance, Period, PeriodUnit, PlanCode, Zone};

/// A plan as the file describes it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpec {
    pub code: PlanCode,
    pub zone: Zone,
    pub period: Period,
    pub allowance: Allowance,
    pub prices: BTreeMap<Currency, i64>,
    pub names: BTreeMap<String, String>,
    pub retired: bool,
    /// When a changed version goes on sale; now when `None` or in the past.
    pub effective_from: Option<DateTime<Utc>>,
}

/// Checks the file's `[[plans]]`: the plans that are good, and every problem of the
/// others, each naming the plan it is in (a code given twice is a problem too).
pub fn check_plans(entries: Vec<PlanEntry>) -> (Vec<PlanSpec>, Vec<String>) {
    let mut errors = Vec::new();
    let mut specs = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, raw) in entries.into_iter().enumerate() {
        let label = format!("plan #{} ({})", index + 1, raw.code);
        match check_plan(raw) {
            Ok(spec) => {
                if !seen.insert(spec.code.clone()) {
                    errors.push(format!("{label}: code appears twice"));
                }
                specs.push(spec);
            }
            Err(problems) => errors.extend(problems.into_iter().map(|p| format!("{label}: {p}"))),
        }
    }
    if specs.is_empty() && errors.is_empty() {
        errors.push("the file has no plans".into());
    }
    (specs, errors)
}

/// Checks one plan entry, from the file, the admin API or the console's form; every
/// problem is named, with the field it is about.
pub fn check_plan(raw: PlanEntry) -> Result<PlanSpec, Vec<Problem>> {
    let mut problems = Vec::new();
    let effective_from = instant(&mut problems, raw.effective_from.as_ref(), "effective_from");
    let code = PlanCode::parse(&raw.code)
        .map_err(|_| problems.push(Problem::new("code", "code must be 2–40 of A–Z, 0–9 and -")))
        .ok();
    let zone = Zone::parse(&raw.zone).or_else(|| {
        problems.push(Problem::new(
            "zone",
            format!("zone {:?} is not one of hk, hk_mo, cn_hk_mo", raw.zone),
        ));
        None
    });
    let period = match (
        PeriodUnit::parse(&raw.period.unit),
        u32::try_from(raw.period.count),
    ) {
        (Some(unit), Ok(count)) => Period::new(unit, count)
            .map_err(|_| {
                problems.push(Problem::new(
                    "period.count",
                    "period count must be at least 1 and at most 3 years",
                ))
            })
            .ok(),
        (None, _) => {
            problems.push(Problem::new(
                "period.unit",
                format!(
                    "period unit {:?} is not one of day, week, month, year",
                    raw.period.unit
                ),
            ));
            None
        }
        (_, Err(_)) => {
            problems.push(Problem::new(
                "period.count",
                "period count must be at least 1",
            ));
            None
        }
    };
    let allowance = match &raw.data {
        toml::Value::String(text) if text.eq_ignore_ascii_case("unlimited") => {
            match (raw.fair_use.as_ref().map(parse_volume), raw.throttle_kbps) {
                (Some(Ok(cap)), Some(kbps)) if kbps > 0 && kbps <= 1_000_000 => {
                    Some(Allowance::Unlimited {
                        fair_use_cap: cap,
                        throttle_kbps: u32::try_from(kbps).unwrap_or(u32::MAX),
                    })
                }
                (Some(Err(e)), _) => {
                    problems.push(Problem::new("fair_use", format!("fair_use: {e}")));
                    None
                }
                (None, _) => {
                    problems.push(Problem::new(
                        "fair_use",
                        "an unlimited plan needs fair_use (a volume) and throttle_kbps (1–1000000)",
                    ));
                    None
                }
                _ => {
                    problems.push(Problem::new(
                        "throttle_kbps",
                        "an unlimited plan needs fair_use (a volume) and throttle_kbps (1–1000000)",
                    ));
                    None
                }
            }
        }
        other => match parse_volume(other) {
            Ok(bytes) if raw.fair_use.is_none() && raw.throttle_kbps.is_none() => {
                Some(Allowance::Capped { bytes })
            }
            Ok(_) => {
                problems.push(Problem::new(
                    "data",
                    "fair_use and throttle_kbps belong to unlimited plans only",
                ));
                None
            }
            Err(e) => {
                problems.push(Problem::new("data", format!("data: {e}")));
                None
            }
        },
    };
    let mut prices = BTreeMap::new();
    for (currency, amount) in &raw.prices {
        match Currency::parse(currency) {
            Ok(currency) if *amount > 0 && *amount <= 100_000_000 => {
                prices.insert(currency, *amount);
            }
            Ok(_) => problems.push(Problem::new(
                format!("prices.{currency}"),
                format!("price in {currency} must be between 1 and 100000000 minor units"),
            )),
            Err(_) => problems.push(Problem::new(
                "prices",
                format!("{currency:?} is not an ISO 4217 currency code"),
            )),
        }
    }
    if raw.prices.is_empty() {
        problems.push(Problem::new("prices", "at least one price is needed"));
    }
    let names = names(&mut problems, raw.names);
    match (code, zone, period, allowance, problems.is_empty()) {
        (Some(code), Some(zone), Some(period), Some(allowance), true) => Ok(PlanSpec {
            code,
            zone,
            period,
            allowance,
            prices,
            names,
            retired: raw.retired,
            effective_from,
        }),
        _ => Err(problems),
    }
}

/// Bytes as an integer, or `"20 GB"`, `"512MB"`, `"1.5 GB"` (binary multiples).
fn parse_volume(value: &toml::Value) -> Result<u64, String> {
    const MAX: u64 = 1 << 50;
    let bytes = match value {
        toml::Value::Integer(n) => {
            u64::try_from(*n).map_err(|_| "must not be negative".to_owned())?
        }
        toml::Value::String(text) => {
            let text = text.trim();
            let split = text
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(text.len());
            let (number, unit) = text.split_at(split);
            let number: f64 = number
                .trim()
                .parse()
                .map_err(|_| format!("{text:?} is not a volume like \"20 GB\""))?;
            let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
                "B" | "" => 1,
                "KB" => 1 << 10,
                "MB" => 1 << 20,
                "GB" => 1 << 30,
                "TB" => 1 << 40,
                other => return Err(format!("unit {other:?} is not one of B, KB, MB, GB, TB")),
            };
            if !number.is_finite() || number < 0.0 {
                return Err(format!("{text:?} is not a volume like \"20 GB\""));
            }
            (number * scale as f64).round() as u64
        }
        _ => return Err("must be a number of bytes or a text like \"20 GB\"".to_owned()),
    };
    if bytes == 0 || bytes > MAX {
        return Err("must be more than 0 and at most 1 PB".to_owned());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    /// The plans of a file; its offers are checked in `promotions`.
    #[derive(serde::Deserialize)]
    struct PlansOnly {
        plans: Vec<PlanEntry>,
    }

    #[derive(Debug)]
    struct Checked {
        plans: Vec<PlanSpec>,
    }

    /// A file of plans only, checked as `datacard plans import` checks its plans.
    fn parse(text: &str) -> Result<Checked, Vec<String>> {
        let doc: PlansOnly = toml::from_str(text).map_err(|e| vec![e.message().to_owned()])?;
        match check_plans(doc.plans) {
            (plans, errors) if errors.is_empty() => Ok(Checked { plans }),
            (_, errors) => Err(errors),
        }
    }

    #[test]
    fn the_demo_catalog_is_valid_and_covers_the_range() {
        let specs = parse(super::super::DEMO_CATALOG).unwrap().plans;
        assert!(specs.len() >= 8);
        let units: std::collections::BTreeSet<_> = specs
            .iter()
            .map(|s| (s.period.unit, s.period.count))
            .collect();
        for needed in [
            (PeriodUnit::Day, 1),
            (PeriodUnit::Day, 7),
            (PeriodUnit::Day, 30),
            (PeriodUnit::Year, 1),
        ] {
            assert!(units.contains(&needed), "{needed:?}");
        }
        assert!(
            specs
                .iter()
                .any(|s| matches!(s.allowance, Allowance::Unlimited { .. }))
        );
        assert!(specs.iter().all(
            |s| Locale::ALL.iter().all(|l| s.names.contains_key(l.tag()))
                && s.prices.contains_key(&Currency::HKD)
        ));
    }

    #[test]
    fn every_problem_is_reported_by_plan() {
        let text = r#"
            [[plans]]
            code = "ok-plan"
            zone = "hk"
            period = { unit = "day", count = 1 }
            data = "1 GB"
            prices = { HKD = 1800 }
            names = { en = "Day" }

            [[plans]]
            code = "BAD PLAN"
            zone = "mars"
            period = { unit = "fortnight", count = 0 }
            data = "-3 GB"
            prices = { hkd = -5 }
            names = { fr = "Jour" }
        "#;
        let errors = parse(text).unwrap_err();
        let joined = errors.join("\n");
        for needle in [
            "plan #2",
            "code",
            "zone",
            "period unit",
            "data",
            "hkd",
            "English name",
            "unknown language",
        ] {
            assert!(joined.contains(needle), "missing {needle:?} in {joined}");
        }
        assert!(!joined.contains("plan #1"));
    }

    #[test]
    fn names_are_under_the_tags_the_portal_serves() {
        let plan = |names: &str| {
            format!(
                "[[plans]]\ncode = \"DAY\"\nzone = \"hk\"\nperiod = {{ unit = \"day\", count = 1 }}\ndata = \"1 GB\"\nprices = {{ HKD = 1800 }}\nnames = {names}\n"
            )
        };
        let specs = parse(&plan(
            r#"{ en = "Day", "zh-HK" = "日票", "zh-CN" = "日包" }"#,
        ))
        .expect("the three served tags");
        assert_eq!(specs.plans[0].names.len(), 3);
        for (language, tag) in [("zh-Hans", "zh-CN"), ("zh-TW", "zh-HK"), ("zh", "zh-CN")] {
            let errors = parse(&plan(&format!(r#"{{ en = "Day", "{language}" = "日" }}"#)))
                .unwrap_err()
                .join("\n");
            assert!(errors.contains(&format!("write it as {tag:?}")), "{errors}");
        }
    }

    #[test]
    fn each_problem_names_its_field_and_a_name_is_text() {
        let doc: PlansOnly = toml::from_str(
            r#"
            [[plans]]
            code = "WEEK"
            zone = "mars"
            period = { unit = "day", count = 7 }
            data = "5 GB"
            prices = { HKD = -5 }
            names = { en = "<b>Week</b>", "zh-HK" = "星期" }
            "#,
        )
        .unwrap();
        let problems = check_plan(doc.plans.into_iter().next().unwrap()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["zone", "prices.HKD", "names.en"], "{problems:?}");
        assert!(problems[2].to_string().contains("without < or >"));
    }

    #[test]
    fn unlimited_needs_fair_use_and_volumes_parse() {
        let base = |data: &str, extra: &str| {
            format!(
                "[[plans]]\ncode = \"UN\"\nzone = \"hk\"\nperiod = {{ unit = \"month\", count = 1 }}\ndata = {data}\n{extra}\nprices = {{ HKD = 100 }}\nnames = {{ en = \"U\" }}\n"
            )
        };
        assert!(parse(&base("\"unlimited\"", "")).is_err());
        let ok = parse(&base(
            "\"unlimited\"",
            "fair_use = \"50 GB\"\nthrottle_kbps = 1024",
        ))
        .unwrap();
        assert_eq!(
            ok.plans[0].allowance,
            Allowance::Unlimited {
                fair_use_cap: 50 << 30,
                throttle_kbps: 1024
            }
        );
        assert_eq!(
            parse(&base("\"1.5 GB\"", "")).unwrap().plans[0].allowance,
            Allowance::Capped {
                bytes: 1_610_612_736
            }
        );
        assert_eq!(
            parse(&base("1024", "")).unwrap().plans[0].allowance,
            Allowance::Capped { bytes: 1024 }
        );
        let scheduled = parse(&base("1024", "effective_from = 2026-12-01T00:00:00+08:00"))
            .unwrap()
            .plans
            .remove(0);
        assert_eq!(
            scheduled.effective_from.map(|at| at.to_rfc3339()),
            Some("2026-11-30T16:00:00+00:00".to_owned())
        );
        let undated = parse(&base("1024", "effective_from = 2026-12-01")).unwrap_err();
        assert!(undated[0].contains("effective_from must be a date and time"));
        assert!(parse(&base("\"20 XB\"", "")).is_err());
        assert!(parse(&base("0", "")).is_err());
        assert!(parse("plans = 3").is_err());
        assert!(parse("[[plans]]\ncode = \"X\"\nsurprise = 1").is_err());
    }
}
