//! The console's announcement form: a title and Markdown body per language, the
//! audience, the schedule (in the operator's time zone), priority, marketing and the
//! channels to send by; "Preview" shows the texts as subscribers will see them before
//! anything is stored.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{Markup, PreEscaped, html};

use crate::announcements::{Announcement, Draft, DraftInput, Priority};
use crate::catalog::Zone;
use crate::error::{Code, Error, Result};
use crate::i18n::{Locale, t};
use crate::lines::LineStatus;

use super::Console;

const ZONES: [Zone; 3] = [Zone::Hk, Zone::HkMo, Zone::CnHkMo];
const STATUSES: [LineStatus; 5] = [
    LineStatus::PendingInstall,
    LineStatus::Active,
    LineStatus::Throttled,
    LineStatus::Suspended,
    LineStatus::Expired,
];
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// What the form holds, as typed: shown again after a preview or a refusal.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    titles: BTreeMap<String, String>,
    bodies: BTreeMap<String, String>,
    zones: Vec<String>,
    plans: Vec<String>,
    statuses: Vec<String>,
    /// `""` (any), `on` or `off`.
    auto_renew: String,
    starts_at: String,
    ends_at: String,
    priority: String,
    marketing: bool,
    send_sms: bool,
    send_email: bool,
    /// The button pressed: `preview` or `save`.
    pub action: String,
}

impl FormState {
    /// From the posted pairs (checkboxes of one name repeat).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormState {
        let mut state = FormState::default();
        for (name, value) in pairs {
            if let Some(tag) = name.strip_prefix("title_") {
                state.titles.insert(tag.to_owned(), value);
            } else if let Some(tag) = name.strip_prefix("body_") {
                state
                    .bodies
                    .insert(tag.to_owned(), value.replace("\r\n", "\n"));
            } else {
                match name.as_str() {
                    "zone" => state.zones.push(value),
                    "plan" => state.plans.push(value),
                    "line_status" => state.statuses.push(value),
                    "auto_renew" => state.auto_renew = value,
                    "starts_at" => state.starts_at = value,
                    "ends_at" => state.ends_at = value,
                    "priority" => state.priority = value,
                    "marketing" => state.marketing = true,
                    "send_sms" => state.send_sms = true,
                    "send_email" => state.send_email = true,
                    "action" => state.action = value,
                    _ => {}
                }
            }
        }
        state
    }

    /// An announcement's values, for editing it.
    pub fn of(announcement: &Announcement, zone: Tz) -> FormState {
        let local = |at: DateTime<Utc>| at.with_timezone(&zone).format(LOCAL_FORMAT).to_string();
        let audience = &announcement.audience;
        FormState {
            titles: announcement.titles.clone(),
            bodies: announcement.bodies.clone(),
            zones: audience
                .zones
                .iter()
                .map(|z| z.as_str().to_owned())
                .collect(),
            plans: audience.plans.clone(),
            statuses: audience
                .line_status
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            auto_renew: match audience.auto_renew {
                None => String::new(),
                Some(true) => "on".into(),
                Some(false) => "off".into(),
            },
            starts_at: local(announcement.starts_at),
            ends_at: announcement.ends_at.map(local).unwrap_or_default(),
            priority: announcement.priority.as_str().to_owned(),
            marketing: announcement.marketing,
            send_sms: announcement.send.sms,
            send_email: announcement.send.email,
            action: String::new(),
        }
    }

    /// The draft to check: times read in the operator's time zone.
    pub fn input(&self, zone: Tz) -> Result<DraftInput> {
        let mut problems = Vec::new();
        let mut at = |field: &str, text: &str| -> Option<DateTime<Utc>> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = NaiveDateTime::parse_from_str(text, LOCAL_FORMAT)
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
                .ok()
                .and_then(|naive| zone.from_local_datetime(&naive).earliest());
            if parsed.is_none() {
                problems.push(format!("{field}: {text:?} is not a date and time"));
            }
            parsed.map(|local| local.with_timezone(&Utc))
        };
        let starts_at = at("starts_at", &self.starts_at);
        let ends_at = at("ends_at", &self.ends_at);
        if !problems.is_empty() {
            return Err(Error::invalid(Code::InvalidAnnouncement).with_details(problems));
        }
        Ok(DraftInput {
            titles: self.titles.clone(),
            bodies: self.bodies.clone(),
            zones: self.zones.clone(),
            plans: self.plans.clone(),
            line_status: self.statuses.clone(),
            auto_renew: match self.auto_renew.as_str() {
                "on" => Some(true),
                "off" => Some(false),
                _ => None,
            },
            starts_at,
            ends_at,
            priority: (!self.priority.is_empty()).then(|| self.priority.clone()),
            marketing: self.marketing,
            send_sms: self.send_sms,
            send_email: self.send_email,
        })
    }
}

/// The form; `plans` are (code, name) of every plan.
pub fn render(
    console: &Console,
    state: &FormState,
    plans: &[(String, String)],
    action: &str,
) -> Markup {
    let locale = console.locale;
    let word = |key: &str| t(locale, &format!("console.announcements.{key}"));
    let check = |name: &str, value: &str, on: bool, label: &str| {
        let id = format!("f-{name}-{value}");
        html! {
            label for=(id) {
                input #(id) type="checkbox" name=(name) value=(value) checked[on];
                (label)
            }
        }
    };
    html! {
        form.announcement method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(console.csrf);
            @for language in Locale::ALL {
                fieldset.choices {
                    legend lang=(language.tag()) { (language.native_name()) }
                    div.field {
                        label for={ "f-title_" (language.tag()) } { (word("field_title")) }
                        input #{ "f-title_" (language.tag()) } type="text" name={ "title_" (language.tag()) } lang=(language.tag())
                            value=(state.titles.get(language.tag()).map_or("", String::as_str)) maxlength="120";
                    }
                    div.field {
                        label for={ "f-body_" (language.tag()) } { (word("field_body")) }
                        textarea #{ "f-body_" (language.tag()) } name={ "body_" (language.tag()) } rows="6" lang=(language.tag())
                            aria-describedby="markdown-hint" {
                            (state.bodies.get(language.tag()).map_or("", String::as_str))
                        }
                    }
                }
            }
            p.hint #markdown-hint { (word("markdown_hint")) }
            fieldset.choices {
                legend { (word("audience")) }
                p.hint { (word("audience_hint")) }
                fieldset.choices {
                    legend { (word("zones")) }
                    @for zone in ZONES {
                        (check("zone", zone.as_str(), state.zones.iter().any(|z| z == zone.as_str()), &t(locale, &format!("zone.{}", zone.as_str()))))
                    }
                }
                fieldset.choices {
                    legend { (word("plans")) }
                    @for (code, name) in plans {
                        (check("plan", code, state.plans.contains(code), &format!("{name} ({code})")))
                    }
                }
                fieldset.choices {
                    legend { (word("line_status")) }
                    @for status in STATUSES {
                        (check("line_status", status.as_str(), state.statuses.iter().any(|s| s == status.as_str()), &t(locale, &format!("status.{}", status.as_str()))))
                    }
                }
                div.field {
                    label for="f-auto_renew" { (word("auto_renew")) }
                    select #f-auto_renew name="auto_renew" {
                        option value="" selected[state.auto_renew.is_empty()] { (word("auto_renew_any")) }
                        option value="on" selected[state.auto_renew == "on"] { (word("auto_renew_on")) }
                        option value="off" selected[state.auto_renew == "off"] { (word("auto_renew_off")) }
                    }
                }
            }
            div.when {
                div.field {
                    label for="f-starts_at" { (word("starts_at")) }
                    input #f-starts_at type="datetime-local" name="starts_at" value=(state.starts_at) aria-describedby="when-hint";
                }
                div.field {
                    label for="f-ends_at" { (word("ends_at")) }
                    input #f-ends_at type="datetime-local" name="ends_at" value=(state.ends_at) aria-describedby="when-hint";
                }
            }
            p.hint #when-hint { (word("when_hint")) }
            fieldset.choices {
                legend { (word("priority")) }
                @for priority in [Priority::Normal, Priority::Banner] {
                    label for={ "f-priority-" (priority.as_str()) } {
                        input #{ "f-priority-" (priority.as_str()) } type="radio" name="priority" value=(priority.as_str())
                            checked[state.priority == priority.as_str() || (state.priority.is_empty() && priority == Priority::Normal)];
                        (word(&format!("priority_choice_{}", priority.as_str())))
                    }
                }
            }
            fieldset.choices {
                legend { (word("sending")) }
                (check("marketing", "on", state.marketing, &word("marketing")))
                p.hint { (word("marketing_hint")) }
                (check("send_sms", "on", state.send_sms, &word("send_sms")))
                (check("send_email", "on", state.send_email, &word("send_email")))
            }
            div.buttons {
                button.secondary type="submit" name="action" value="preview" { (word("preview")) }
                button type="submit" name="action" value="save" { (word("save")) }
            }
        }
    }
}

/// The checked draft as subscribers will see it, each language's title and body.
pub fn preview(console: &Console, draft: &Draft) -> Markup {
    let locale = console.locale;
    html! {
        section.card.preview aria-labelledby="preview-h" data-testid="preview" {
            h2 #preview-h { (t(locale, "console.announcements.preview_title")) }
            @for (tag, title) in &draft.titles {
                article lang=(tag) {
                    h3 { (title) }
                    div.announcement-body {
                        (PreEscaped(crate::markdown::to_html(draft.bodies.get(tag).map_or("", String::as_str))))
                    }
                }
            }
        }
    }
}
