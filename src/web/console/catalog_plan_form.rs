//! The plan form itself: filled in from a plan's latest version, read back into a
//! catalog-file entry (for the catalog's own checks), and drawn with each problem
//! beside its field, the preview above it and the plan's versions below.

use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde_json::{Value, json};

use crate::app::App;
use crate::catalog::history::PlanRecord;
use crate::catalog::{Allowance, Plan, PlanSpec, Zone};
use crate::i18n::{t, tf};
use crate::web::portal::format::datetime;

use super::catalog_form::{self as f, Fields, Problems};
use super::{Console, render};

const UNITS: [&str; 4] = ["day", "week", "month", "year"];

/// A volume as typed back exactly: whole GB or MB when it is one, else bytes.
fn volume_text(bytes: u64) -> String {
    match bytes {
        b if b % (1 << 30) == 0 => format!("{} GB", b >> 30),
        b if b % (1 << 20) == 0 => format!("{} MB", b >> 20),
        b => b.to_string(),
    }
}

/// The form filled in with `plan` (the latest version) as it stands.
pub(super) fn fields_of(plan: &Plan, retired: bool) -> Fields {
    let mut fields = Fields::default();
    fields.set("zone", plan.zone.as_str());
    fields.set("period.unit", plan.period.unit.as_str());
    fields.set("period.count", plan.period.count.to_string());
    match plan.allowance {
        Allowance::Capped { bytes } => fields.set("data", volume_text(bytes)),
        Allowance::Unlimited {
            fair_use_cap,
            throttle_kbps,
        } => {
            fields.set("data", "unlimited");
            fields.set("fair_use", volume_text(fair_use_cap));
            fields.set("throttle_kbps", throttle_kbps.to_string());
        }
    }
    for (currency, amount) in &plan.prices {
        fields.set(
            &format!("prices.{currency}"),
            f::decimal(*amount, *currency),
        );
    }
    for (language, name) in &plan.names {
        fields.set(&format!("names.{language}"), name.clone());
    }
    if retired {
        fields.set("retired", "on");
    }
    fields
}

/// A number of bytes or a text like `20 GB`, as the entry takes it.
fn volume_value(text: &str) -> Value {
    text.parse::<i64>()
        .map_or_else(|_| json!(text), |n| json!(n))
}

/// The entry the form describes, with what the form itself found wrong.
pub(super) fn entry_of(
    app: &App,
    console: &Console,
    fields: &Fields,
    code: &str,
    problems: &mut Problems,
) -> Value {
    let locale = console.locale;
    let count = fields
        .get("period.count")
        .trim()
        .parse::<i64>()
        .unwrap_or_else(|_| {
            problems.local("period.count", t(locale, "console.catalog.not_a_number"));
            0
        });
    let mut entry = json!({
        "code": code,
        "zone": fields.get("zone").trim(),
        "period": { "unit": fields.get("period.unit").trim(), "count": count },
        "data": volume_value(fields.get("data").trim()),
        "prices": f::read_amounts(console, fields, "prices", problems),
        "names": f::read_names(fields),
        "retired": fields.get("retired") == "on",
    });
    let fair_use = fields.get("fair_use").trim();
    if !fair_use.is_empty() {
        entry["fair_use"] = volume_value(fair_use);
    }
    let kbps = fields.get("throttle_kbps").trim();
    if !kbps.is_empty() {
        match kbps.parse::<i64>() {
            Ok(kbps) => entry["throttle_kbps"] = json!(kbps),
            Err(_) => problems.local("throttle_kbps", t(locale, "console.catalog.not_a_number")),
        }
    }
    match f::read_instant(fields.get("effective_from"), app.config.time_zone()) {
        Ok(Some(at)) => entry["effective_from"] = json!(at),
        Ok(None) => {}
        Err(()) => problems.local("effective_from", t(locale, "console.catalog.not_a_time")),
    }
    entry
}

/// The plan a subscriber would be sold if `spec` were saved now.
pub(super) fn unsaved_plan(
    spec: &PlanSpec,
    record: Option<&PlanRecord>,
    now: DateTime<Utc>,
) -> Plan {
    Plan {
        code: spec.code.clone(),
        version_id: "preview".to_owned(),
        version: record
            .and_then(PlanRecord::latest)
            .map_or(1, |v| v.version + 1),
        effective_from: spec.effective_from.map_or(now, |at| at.max(now)),
        names: spec.names.clone(),
        zone: spec.zone,
        period: spec.period,
        allowance: spec.allowance,
        prices: spec.prices.clone(),
    }
}

fn versions(app: &App, console: &Console, record: &PlanRecord) -> Markup {
    let locale = console.locale;
    let now = app.now();
    let in_force = record.in_force(now).map(|v| v.version);
    let zone = app.config.time_zone();
    html! {
        section.card aria-labelledby="versions-h" {
            h2 #versions-h { (t(locale, "console.catalog.versions")) }
            div.scroll tabindex="0" role="region" aria-label=(t(locale, "console.catalog.versions")) { table data-testid="versions" {
                thead { tr {
                    th scope="col" { (t(locale, "console.catalog.version")) }
                    th scope="col" { (t(locale, "console.catalog.effective_from")) }
                    th scope="col" { (t(locale, "console.catalog.prices")) }
                    th scope="col" { (t(locale, "console.catalog.state")) }
                } }
                tbody {
                    @for v in record.versions.iter().rev() {
                        tr data-version=(v.version) {
                            td { (v.version) }
                            td { (datetime(locale, v.effective_from, zone)) }
                            td { @for (currency, amount) in &v.prices { (crate::money::Money::new(*amount, *currency)) " " } }
                            td {
                                @if Some(v.version) == in_force { (t(locale, "console.catalog.in_force")) }
                                @else if v.effective_from > now { (t(locale, "console.catalog.scheduled")) }
                                @else { (t(locale, "console.catalog.earlier")) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// The form, with `above` it the preview (or the error that stopped a save).
pub(super) fn page(
    app: &App,
    console: &Console,
    record: Option<&PlanRecord>,
    fields: &Fields,
    problems: &Problems,
    above: Option<Markup>,
) -> Response {
    let locale = console.locale;
    let title = match record {
        Some(record) => tf(
            locale,
            "console.catalog.edit_plan",
            &[("code", record.code.as_str())],
        ),
        None => t(locale, "console.catalog.new_plan"),
    };
    let action = record.map_or_else(
        || "/admin/catalog/plans".to_owned(),
        |r| format!("/admin/catalog/plans/{}", r.code),
    );
    let zones: Vec<(&str, String)> = [Zone::Hk, Zone::HkMo, Zone::CnHkMo]
        .iter()
        .map(|z| (z.as_str(), t(locale, &format!("zone.{}", z.as_str()))))
        .collect();
    let units: Vec<(&str, String)> = UNITS
        .iter()
        .map(|u| (*u, t(locale, &format!("console.catalog.unit.{u}"))))
        .collect();
    let currency = app.config.locale.currency;
    let body = html! {
        p { a href="/admin/catalog#plans" { (t(locale, "console.catalog.back")) } }
        h1 { (title) }
        (f::summary(console, problems))
        @if let Some(above) = above { (above) }
        form.stack.catalog method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(console.csrf);
            @match record {
                Some(record) => { p { strong { (t(locale, "console.catalog.code")) } " " code data-testid="plan-code" { (record.code) } } }
                None => { (f::input(console, "code", &t(locale, "console.catalog.code"), "text", fields.get("code"), Some(&t(locale, "console.catalog.code_hint")), problems)) }
            }
            (f::select(console, "zone", &t(locale, "console.catalog.zone"), &zones, fields.get("zone"), problems))
            div.pair {
                (f::input(console, "period.count", &t(locale, "console.catalog.period_count"), "number", fields.get("period.count"), None, problems))
                (f::select(console, "period.unit", &t(locale, "console.catalog.period_unit"), &units, fields.get("period.unit"), problems))
            }
            (f::input(console, "data", &t(locale, "console.catalog.data"), "text", fields.get("data"), Some(&t(locale, "console.catalog.data_hint")), problems))
            div.pair {
                (f::input(console, "fair_use", &t(locale, "console.catalog.fair_use"), "text", fields.get("fair_use"), None, problems))
                (f::input(console, "throttle_kbps", &t(locale, "console.catalog.throttle_kbps"), "number", fields.get("throttle_kbps"), None, problems))
            }
            p.hint { (t(locale, "console.catalog.unlimited_hint")) }
            (f::amounts(console, "prices", &t(locale, "console.catalog.prices"), fields, currency, problems))
            (f::names(console, fields, problems))
            (f::input(console, "effective_from", &t(locale, "console.catalog.effective_from"), "datetime-local", fields.get("effective_from"), Some(&tf(locale, "console.catalog.effective_from_hint", &[("zone", &app.config.locale.time_zone)])), problems))
            (f::checkbox("retired", "on", &t(locale, "console.catalog.retire_plan"), fields.get("retired") == "on"))
            div.buttons {
                button.secondary type="submit" name="action" value="preview" { (t(locale, "console.catalog.preview")) }
                button type="submit" name="action" value="save" { (t(locale, "console.catalog.save")) }
            }
        }
        @if let Some(record) = record { (versions(app, console, record)) }
    };
    render(console, &title, body)
}
