//! The values the catalog forms type in and their inputs: amounts per currency (typed
//! as `88.00`, kept in minor units), names per language, and times typed in the
//! operator's time zone.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

use crate::i18n::t;
use crate::money::{Currency, Money};
use crate::payments::alipay::amount::parse_amount;

use super::Console;
use super::catalog_form::{Fields, Problems, group, input};

/// One amount input per currency (`group.HKD`), the operator's currency first, and
/// a pair to add another currency (`group.new_currency`, `group.new_amount`).
pub fn amounts(
    console: &Console,
    group_name: &str,
    legend: &str,
    fields: &Fields,
    currency: Currency,
    problems: &Problems,
) -> Markup {
    let locale = console.locale;
    let mut currencies: Vec<String> = vec![currency.as_str().to_owned()];
    for (rest, _) in fields.with_prefix(&format!("{group_name}.")) {
        if Currency::parse(rest).is_ok() && !currencies.iter().any(|c| c == rest) {
            currencies.push(rest.to_owned());
        }
    }
    group(
        console,
        group_name,
        legend,
        problems,
        html! {
            @for code in &currencies {
                @let name = format!("{group_name}.{code}");
                (input(console, &name, code, "decimal", fields.get(&name), None, problems))
            }
            div.pair {
                (input(console, &format!("{group_name}.new_currency"), &t(locale, "console.catalog.other_currency"), "text", fields.get(&format!("{group_name}.new_currency")), None, problems))
                (input(console, &format!("{group_name}.new_amount"), &t(locale, "console.catalog.other_amount"), "decimal", fields.get(&format!("{group_name}.new_amount")), None, problems))
            }
            p.hint { (t(locale, "console.catalog.amounts_hint")) }
        },
    )
}

/// Reads the amounts of `group_name` as the entry writes them: minor units per
/// currency code (`{"HKD": 8800}`); blank inputs are left out, text that is no amount
/// is a problem of its field.
pub fn read_amounts(
    console: &Console,
    fields: &Fields,
    group_name: &str,
    problems: &mut Problems,
) -> BTreeMap<String, i64> {
    let prefix = format!("{group_name}.");
    let mut amounts = BTreeMap::new();
    for (rest, value) in fields.with_prefix(&prefix) {
        if rest == "new_currency" || rest == "new_amount" || value.trim().is_empty() {
            continue;
        }
        let field = format!("{prefix}{rest}");
        match Currency::parse(rest)
            .ok()
            .and_then(|c| minor_units(value, c))
        {
            Some(amount) => {
                amounts.insert(rest.to_owned(), amount);
            }
            None => problems.local(&field, t(console.locale, "console.catalog.not_an_amount")),
        }
    }
    let new_currency = fields
        .get(&format!("{prefix}new_currency"))
        .trim()
        .to_ascii_uppercase();
    let new_amount = fields.get(&format!("{prefix}new_amount")).trim();
    match (new_currency.is_empty(), new_amount.is_empty()) {
        (true, true) => {}
        (false, false) => {
            let currency = Currency::parse(&new_currency).unwrap_or(Currency::HKD);
            match minor_units(new_amount, currency) {
                Some(amount) => {
                    amounts.insert(new_currency, amount);
                }
                None => problems.local(
                    &format!("{prefix}new_amount"),
                    t(console.locale, "console.catalog.not_an_amount"),
                ),
            }
        }
        (true, false) => problems.local(
            &format!("{prefix}new_currency"),
            t(console.locale, "console.catalog.currency_needed"),
        ),
        (false, true) => problems.local(
            &format!("{prefix}new_amount"),
            t(console.locale, "console.catalog.not_an_amount"),
        ),
    }
    amounts
}

/// `"88.00"`, `"-5"` → minor units of `currency`; `None` for anything else.
pub fn minor_units(text: &str, currency: Currency) -> Option<i64> {
    let text = text.trim().replace(',', "");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let amount = parse_amount(digits, currency)?.amount;
    Some(if negative { -amount } else { amount })
}

/// An amount as its input shows it: `8800` HKD → `88.00`.
pub fn decimal(amount: i64, currency: Currency) -> String {
    Money::new(amount, currency).decimal()
}

/// The names by language (`names.en`, …), the three languages the portal serves.
pub fn names(console: &Console, fields: &Fields, problems: &Problems) -> Markup {
    let locale = console.locale;
    group(
        console,
        "names",
        &t(locale, "console.catalog.names"),
        problems,
        html! {
            @for language in ["zh-HK", "zh-CN", "en"] {
                @let name = format!("names.{language}");
                @let label = t(locale, &format!("console.catalog.name_in.{language}"));
                (input(console, &name, &label, "text", fields.get(&name), None, problems))
            }
            p.hint { (t(locale, "console.catalog.names_hint")) }
        },
    )
}

/// The names the form has, blank ones left out.
pub fn read_names(fields: &Fields) -> BTreeMap<String, String> {
    fields
        .with_prefix("names.")
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(language, value)| (language.to_owned(), value.to_owned()))
        .collect()
}

/// A `datetime-local` value (`2026-12-01T00:00`) in the operator's time zone.
pub fn local_input(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value read in the operator's time zone, as RFC 3339 with its
/// offset (what the entry takes); `Ok(None)` when blank.
pub fn read_instant(text: &str, zone: Tz) -> Result<Option<String>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| ())?;
    let local = zone.from_local_datetime(&naive).earliest().ok_or(())?;
    Ok(Some(local.to_rfc3339()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::console::catalog_form::field_id;

    #[test]
    fn amounts_and_times_read_as_typed() {
        assert_eq!(minor_units("88.00", Currency::HKD), Some(8800));
        assert_eq!(minor_units("-5", Currency::HKD), Some(-500));
        assert_eq!(minor_units("1,288.5", Currency::HKD), Some(128_850));
        for bad in ["", "abc", "1.234", "--5", "5-"] {
            assert_eq!(minor_units(bad, Currency::HKD), None, "{bad:?}");
        }
        let hk = chrono_tz::Asia::Hong_Kong;
        assert_eq!(
            read_instant("2026-12-01T00:00", hk),
            Ok(Some("2026-12-01T00:00:00+08:00".to_owned()))
        );
        assert_eq!(read_instant(" ", hk), Ok(None));
        assert_eq!(read_instant("1 Dec", hk), Err(()));
        let at = DateTime::parse_from_rfc3339("2026-11-30T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_input(at, hk), "2026-12-01T00:00");
        assert_eq!(field_id("names.zh-HK"), "f-names-zh-HK");
        assert_eq!(field_id("period.count"), "f-period-count");
    }
}
