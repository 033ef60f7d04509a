//! The promotion and coupon form itself: filled in from an offer as it stands, read
//! back into a catalog-file entry (for the catalog's own checks), and drawn with each
//! problem beside its field.

use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use crate::app::App;
use crate::catalog::Zone;
use crate::i18n::{t, tf};
use crate::payments::Method;
use crate::promotions;
use crate::promotions::history::PromotionRecord;

use super::catalog_form::{self as f, Fields, Problems};
use super::catalog_offers::Section;
use super::{Console, error_page, render};

/// The form filled in from the offer's entry as it stands.
pub(super) fn fields_of(app: &App, record: &PromotionRecord) -> Fields {
    let entry = promotions::promotion_entry_json(&record.promotion, record.retired_at.is_some());
    let mut fields = Fields::default();
    let Value::Object(map) = entry else {
        return fields;
    };
    for (key, value) in map {
        match (key.as_str(), value) {
            ("amount" | "min_spend", Value::Object(amounts)) => {
                for (currency, amount) in amounts {
                    if let (Ok(c), Some(a)) =
                        (crate::money::Currency::parse(&currency), amount.as_i64())
                    {
                        fields.set(&format!("{key}.{currency}"), f::decimal(a, c));
                    }
                }
            }
            ("names", Value::Object(names)) => {
                for (language, name) in names {
                    fields.set(
                        &format!("names.{language}"),
                        name.as_str().unwrap_or_default(),
                    );
                }
            }
            ("starts_at" | "ends_at", Value::String(at)) => {
                if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&at) {
                    fields.set(
                        &key,
                        f::local_input(at.with_timezone(&chrono::Utc), app.config.time_zone()),
                    );
                }
            }
            (_, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .for_each(|i| fields.set(&key, i)),
            (_, Value::Bool(true)) => fields.set(&key, "on"),
            (_, Value::Bool(false)) => {}
            (_, Value::String(text)) => fields.set(&key, text),
            (_, other) => fields.set(&key, other.to_string()),
        }
    }
    fields
}

/// The ticked values of a list (`plans`), those the offer has listed first and in its
/// order: saving a form unchanged leaves the offer unchanged.
fn in_stored_order<'a>(ticked: Vec<&'a str>, stored: Option<&Value>) -> Vec<&'a str> {
    let stored: Vec<&str> = stored
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let (mut kept, new): (Vec<&str>, Vec<&str>) =
        ticked.into_iter().partition(|t| stored.contains(t));
    kept.sort_by_key(|t| stored.iter().position(|s| s == t));
    kept.extend(new);
    kept
}

/// The entry the form describes; fields that do not belong to the kind chosen are
/// left out when blank (and sent when typed, so that the checks say so).
pub(super) fn entry_of(
    app: &App,
    console: &Console,
    section: Section,
    record: Option<&PromotionRecord>,
    fields: &Fields,
    code: &str,
    problems: &mut Problems,
) -> Value {
    let locale = console.locale;
    let stored =
        record.map(|r| promotions::promotion_entry_json(&r.promotion, r.retired_at.is_some()));
    let list =
        |name: &str| in_stored_order(fields.all(name), stored.as_ref().and_then(|s| s.get(name)));
    let mut entry = json!({
        "code": code,
        "names": f::read_names(fields),
        "plans": list("plans"),
        "zones": list("zones"),
        "methods": list("methods"),
        "stacking": fields.get("stacking"),
        "retired": fields.get("retired") == "on",
    });
    let kind = fields.get("kind");
    let mut number = |name: &str, entry: &mut Value| {
        let text = fields.get(name).trim();
        if text.is_empty() {
            return;
        }
        match text.parse::<i64>() {
            Ok(n) => entry[name] = json!(n),
            Err(_) => problems.local(name, t(locale, "console.catalog.not_a_number")),
        }
    };
    number("priority", &mut entry);
    number("buy", &mut entry);
    number("free", &mut entry);
    if section.coupon {
        number("total_limit", &mut entry);
        number("per_account_limit", &mut entry);
        entry["public"] = json!(fields.get("public") == "on");
    } else {
        entry["kind"] = json!(kind);
        if kind == "first_period" {
            entry["first_order_of"] = json!(fields.get("first_order_of"));
        }
    }
    let percent = fields.get("percent").trim();
    if !percent.is_empty() {
        match percent.parse::<f64>() {
            Ok(p) if p.fract() == 0.0 && p.abs() < 1e9 => entry["percent"] = json!(p as i64),
            Ok(p) if p.is_finite() => entry["percent"] = json!(p),
            _ => problems.local("percent", t(locale, "console.catalog.not_a_number")),
        }
    }
    let amount = f::read_amounts(console, fields, "amount", problems);
    if !amount.is_empty() {
        entry["amount"] = json!(amount);
    }
    if section.coupon {
        let min_spend = f::read_amounts(console, fields, "min_spend", problems);
        if !min_spend.is_empty() {
            entry["min_spend"] = json!(min_spend);
        }
    }
    for name in ["starts_at", "ends_at"] {
        match f::read_instant(fields.get(name), app.config.time_zone()) {
            Ok(Some(at)) => entry[name] = json!(at),
            Ok(None) => {}
            Err(()) => problems.local(name, t(locale, "console.catalog.not_a_time")),
        }
    }
    entry
}

pub(super) fn new_fields() -> Fields {
    let mut fields = Fields::default();
    for (name, value) in [
        ("kind", "first_period"),
        ("first_order_of", "plan"),
        ("stacking", "combinable"),
        ("priority", "0"),
    ] {
        fields.set(name, value);
    }
    fields
}

/// The form, with `above` it the preview (or the error that stopped a save).
pub(super) async fn page(
    app: &App,
    console: &Console,
    section: Section,
    record: Option<&PromotionRecord>,
    fields: &Fields,
    problems: &Problems,
    above: Option<Markup>,
) -> Response {
    let locale = console.locale;
    let plans = match crate::catalog::history::plan_codes(app).await {
        Ok(plans) => plans,
        Err(error) => return error_page(console, &error),
    };
    let noun = t(locale, &format!("console.catalog.noun.{}", section.path()));
    let title = match record {
        Some(record) => tf(
            locale,
            "console.catalog.edit_offer",
            &[("what", &noun), ("code", record.promotion.code.as_str())],
        ),
        None => tf(locale, "console.catalog.new_offer", &[("what", &noun)]),
    };
    let action = match record {
        Some(record) => format!(
            "/admin/catalog/{}/{}",
            section.path(),
            record.promotion.code
        ),
        None => format!("/admin/catalog/{}", section.path()),
    };
    let option = |value: &'static str, key: &str| (value, t(locale, key));
    let currency = app.config.locale.currency;
    let body = html! {
        p { a href={ "/admin/catalog#" (section.path()) } { (t(locale, "console.catalog.back")) } }
        h1 { (title) }
        @if let Some(record) = record {
            p.hint { (tf(locale, "console.catalog.redemptions_now", &[("count", &record.redemptions.to_string())])) }
        }
        (f::summary(console, problems))
        @if let Some(above) = above { (above) }
        form.stack.catalog method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(console.csrf);
            @match record {
                Some(record) => { p { strong { (t(locale, "console.catalog.code")) } " " code { (record.promotion.code) } } }
                None => { (f::input(console, "code", &t(locale, "console.catalog.code"), "text", fields.get("code"), Some(&t(locale, "console.catalog.offer_code_hint")), problems)) }
            }
            @if !section.coupon {
                (f::select(console, "kind", &t(locale, "console.catalog.kind"), &[option("first_period", "console.catalog.kinds.first_period"), option("free_periods", "console.catalog.kinds.free_periods")], fields.get("kind"), problems))
            }
            (f::group(console, "discount", &t(locale, "console.catalog.discount"), problems, html! {
                (f::input(console, "percent", &t(locale, "console.catalog.percent"), "decimal", fields.get("percent"), None, problems))
                (f::amounts(console, "amount", &t(locale, "console.catalog.amount_off"), fields, currency, problems))
                @if !section.coupon {
                    (f::select(console, "first_order_of", &t(locale, "console.catalog.first_order_of"), &[option("plan", "console.catalog.first_of.plan"), option("any", "console.catalog.first_of.any")], fields.get("first_order_of"), problems))
                    p.hint { (t(locale, "console.catalog.discount_hint")) }
                }
            }))
            @if !section.coupon {
                (f::group(console, "free_periods", &t(locale, "console.catalog.kinds.free_periods"), problems, html! {
                    div.pair {
                        (f::input(console, "buy", &t(locale, "console.catalog.buy"), "number", fields.get("buy"), None, problems))
                        (f::input(console, "free", &t(locale, "console.catalog.free"), "number", fields.get("free"), None, problems))
                    }
                }))
            } @else {
                (f::group(console, "limits", &t(locale, "console.catalog.limits"), problems, html! {
                    div.pair {
                        (f::input(console, "total_limit", &t(locale, "console.catalog.total_limit"), "number", fields.get("total_limit"), None, problems))
                        (f::input(console, "per_account_limit", &t(locale, "console.catalog.per_account_limit"), "number", fields.get("per_account_limit"), None, problems))
                    }
                    (f::amounts(console, "min_spend", &t(locale, "console.catalog.min_spend"), fields, currency, problems))
                    (f::checkbox("public", "on", &t(locale, "console.catalog.public"), fields.get("public") == "on"))
                }))
            }
            (restrictions(console, fields, &plans, problems))
            div.pair {
                (f::input(console, "starts_at", &t(locale, "console.catalog.starts_at"), "datetime-local", fields.get("starts_at"), None, problems))
                (f::input(console, "ends_at", &t(locale, "console.catalog.ends_at"), "datetime-local", fields.get("ends_at"), None, problems))
            }
            p.hint { (tf(locale, "console.catalog.window_hint", &[("zone", &app.config.locale.time_zone)])) }
            div.pair {
                (f::select(console, "stacking", &t(locale, "console.catalog.stacking"), &[option("combinable", "console.catalog.stackings.combinable"), option("exclusive", "console.catalog.stackings.exclusive")], fields.get("stacking"), problems))
                (f::input(console, "priority", &t(locale, "console.catalog.priority"), "number", fields.get("priority"), None, problems))
            }
            (f::names(console, fields, problems))
            (f::checkbox("retired", "on", &t(locale, "console.catalog.retire_offer"), fields.get("retired") == "on"))
            div.buttons {
                button.secondary type="submit" name="action" value="preview" { (t(locale, "console.catalog.preview")) }
                button type="submit" name="action" value="save" { (t(locale, "console.catalog.save")) }
            }
        }
    };
    render(console, &title, body)
}

/// Plans, zones and payment methods the offer is limited to (none ticked: all).
fn restrictions(
    console: &Console,
    fields: &Fields,
    plans: &std::collections::BTreeSet<crate::catalog::PlanCode>,
    problems: &Problems,
) -> Markup {
    let locale = console.locale;
    let ticked = |name: &str, value: &str| fields.all(name).contains(&value);
    html! {
        (f::group(console, "plans", &t(locale, "console.catalog.only_plans"), problems, html! {
            div.checks { @for plan in plans { (f::checkbox("plans", plan.as_str(), plan.as_str(), ticked("plans", plan.as_str()))) } }
        }))
        (f::group(console, "zones", &t(locale, "console.catalog.only_zones"), problems, html! {
            div.checks { @for zone in [Zone::Hk, Zone::HkMo, Zone::CnHkMo] { (f::checkbox("zones", zone.as_str(), &t(locale, &format!("zone.{}", zone.as_str())), ticked("zones", zone.as_str()))) } }
        }))
        (f::group(console, "methods", &t(locale, "console.catalog.only_methods"), problems, html! {
            div.checks { @for method in Method::ALL { (f::checkbox("methods", method.as_str(), &t(locale, &format!("plans.method_{}", method.as_str())), ticked("methods", method.as_str()))) } }
        }))
        p.hint { (t(locale, "console.catalog.restrictions_hint")) }
    }
}
