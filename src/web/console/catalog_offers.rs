//! The promotion and coupon forms (admins): a new offer or a change to one, checked
//! by the catalog file's own checks (as `datacard plans import` and the admin API
//! check them) and audited with the member as the actor; "Preview" shows what each
//! plan on sale would cost with the offer as typed, without saving.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::tf;
use crate::promotions::history::{self, PromotionRecord};
use crate::promotions::{self, PromotionCode, PromotionEntry, edit};
use crate::staff::Permission;

use super::catalog_form::{Fields, Problems};
use super::catalog_offer_form::{entry_of, fields_of, new_fields, page};
use super::forms::ConsoleForm;
use super::{Console, error_page};

/// Which of the two: `/admin/catalog/promotions…` or `/admin/catalog/coupons…`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub(super) coupon: bool,
}

pub const PROMOTIONS: Section = Section { coupon: false };
pub const COUPONS: Section = Section { coupon: true };

impl Section {
    pub(super) fn path(self) -> &'static str {
        if self.coupon { "coupons" } else { "promotions" }
    }

    fn unknown(self) -> Error {
        Error::not_found(if self.coupon {
            Code::UnknownCoupon
        } else {
            Code::UnknownPromotion
        })
    }
}

async fn record_of(app: &App, section: Section, code: &str) -> Result<PromotionRecord, Error> {
    let code = PromotionCode::parse(code).map_err(|_| section.unknown())?;
    history::promotions(app, Some(&code))
        .await?
        .into_iter()
        .find(|r| r.promotion.coupon().is_some() == section.coupon)
        .ok_or_else(|| section.unknown())
}

pub async fn new_promotion(State(app): State<App>, console: Console) -> Response {
    new_form(&app, &console, PROMOTIONS).await
}

pub async fn new_coupon(State(app): State<App>, console: Console) -> Response {
    new_form(&app, &console, COUPONS).await
}

async fn new_form(app: &App, console: &Console, section: Section) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    page(
        app,
        console,
        section,
        None,
        &new_fields(),
        &Problems::default(),
        None,
    )
    .await
}

pub async fn edit_promotion(
    State(app): State<App>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    edit_form(&app, &console, PROMOTIONS, &code).await
}

pub async fn edit_coupon(
    State(app): State<App>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    edit_form(&app, &console, COUPONS, &code).await
}

async fn edit_form(app: &App, console: &Console, section: Section, code: &str) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    match record_of(app, section, code).await {
        Ok(record) => {
            page(
                app,
                console,
                section,
                Some(&record),
                &fields_of(app, &record),
                &Problems::default(),
                None,
            )
            .await
        }
        Err(error) => error_page(console, &error),
    }
}

type Posted = ConsoleForm<Vec<(String, String)>>;

pub async fn create_promotion(
    State(app): State<App>,
    console: Console,
    ConsoleForm(pairs): Posted,
) -> Response {
    submit(&app, &console, PROMOTIONS, None, Fields(pairs)).await
}

pub async fn create_coupon(
    State(app): State<App>,
    console: Console,
    ConsoleForm(pairs): Posted,
) -> Response {
    submit(&app, &console, COUPONS, None, Fields(pairs)).await
}

pub async fn update_promotion(
    State(app): State<App>,
    console: Console,
    Path(code): Path<String>,
    ConsoleForm(pairs): Posted,
) -> Response {
    submit(&app, &console, PROMOTIONS, Some(&code), Fields(pairs)).await
}

pub async fn update_coupon(
    State(app): State<App>,
    console: Console,
    Path(code): Path<String>,
    ConsoleForm(pairs): Posted,
) -> Response {
    submit(&app, &console, COUPONS, Some(&code), Fields(pairs)).await
}

async fn submit(
    app: &App,
    console: &Console,
    section: Section,
    code: Option<&str>,
    fields: Fields,
) -> Response {
    let actor = match console.require(Permission::EditCatalog) {
        Ok(member) => member.actor(),
        Err(response) => return *response,
    };
    let record = match code {
        Some(code) => match record_of(app, section, code).await {
            Ok(record) => Some(record),
            Err(error) => return error_page(console, &error),
        },
        None => None,
    };
    let code = record.as_ref().map_or_else(
        || fields.get("code").trim().to_owned(),
        |r| r.promotion.code.to_string(),
    );
    let mut problems = Problems::default();
    let taken = match PromotionCode::parse(&code) {
        Ok(parsed) if record.is_none() => history::promotions(app, Some(&parsed))
            .await
            .map(|found| !found.is_empty()),
        _ => Ok(false),
    };
    match taken {
        Ok(true) => problems.local(
            "code",
            tf(
                console.locale,
                "console.catalog.code_taken",
                &[("code", &code.to_ascii_uppercase())],
            ),
        ),
        Ok(false) => {}
        Err(error) => return error_page(console, &error),
    }
    let entry = entry_of(
        app,
        console,
        section,
        record.as_ref(),
        &fields,
        &code,
        &mut problems,
    );
    let entry: PromotionEntry = match serde_json::from_value(entry) {
        Ok(entry) => entry,
        Err(error) => return error_page(console, &Error::internal(error)),
    };
    let plans = match crate::catalog::history::plan_codes(app).await {
        Ok(plans) => plans,
        Err(error) => return error_page(console, &error),
    };
    let spec = match promotions::check_promotion(entry, section.coupon, &plans) {
        Ok(spec) if problems.is_empty() => spec,
        Ok(_) => {
            return refused(
                app,
                console,
                section,
                record.as_ref(),
                &fields,
                &problems,
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        Err(found) => {
            problems.shared(found);
            return refused(
                app,
                console,
                section,
                record.as_ref(),
                &fields,
                &problems,
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if fields.get("action") == "preview" {
        return match super::catalog_preview::offer(app, console, &spec.promotion, spec.retired)
            .await
        {
            Ok(preview) => {
                page(
                    app,
                    console,
                    section,
                    record.as_ref(),
                    &fields,
                    &problems,
                    Some(preview),
                )
                .await
            }
            Err(error) => error_page(console, &error),
        };
    }
    match edit::put_promotion(app, &spec, section.coupon, &actor).await {
        Ok(change) => {
            let outcome = if change.created {
                "created"
            } else if change.is_unchanged() {
                "unchanged"
            } else {
                "changed"
            };
            let kind = if section.coupon {
                "coupon"
            } else {
                "promotion"
            };
            tracing::info!(promotion.code = %spec.promotion.code, outcome, "offer saved in the console");
            Redirect::to(&format!(
                "/admin/catalog?done={kind}_{outcome}&code={}#{}",
                spec.promotion.code,
                section.path()
            ))
            .into_response()
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(console, &error),
        Err(error) => {
            let notice = super::layout::error_notice(console, &error);
            let status = crate::web::error::status_of(&error);
            refused(
                app,
                console,
                section,
                record.as_ref(),
                &fields,
                &problems,
                Some(notice),
                status,
            )
            .await
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page's parts and the status it is refused with"
)]
async fn refused(
    app: &App,
    console: &Console,
    section: Section,
    record: Option<&PromotionRecord>,
    fields: &Fields,
    problems: &Problems,
    above: Option<Markup>,
    status: StatusCode,
) -> Response {
    let mut response = page(app, console, section, record, fields, problems, above).await;
    *response.status_mut() = status;
    response
}
