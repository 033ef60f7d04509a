//! The OpenAPI document against the code: every error response comes from the codes
//! of its operation, every path parameter is declared, every JSON body and every
//! bearer token has its refusals documented.

use serde_json::Value;
use utoipa::OpenApi;

use super::ApiDoc;
use super::refusals::named_in;
use crate::error::Code;
use crate::web::error::status_of_kind;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).expect("the document serialises")
}

/// (method, path, operation) for every operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation.get("responses").is_some() {
                out.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

fn code_named(text: &str) -> Option<Code> {
    Code::ALL.iter().copied().find(|code| code.as_str() == text)
}

/// The codes an operation documents, with the status each is documented under.
fn documented_codes(operation: &Value) -> Vec<(u16, Code)> {
    let mut out = Vec::new();
    for (status, response) in operation["responses"].as_object().expect("responses") {
        let status: u16 = status.parse().expect("a numeric status");
        let description = response["description"].as_str().unwrap_or_default();
        for name in named_in(description) {
            out.push((status, code_named(name).expect("a known code")));
        }
    }
    out
}

#[test]
fn every_error_response_names_its_codes_and_they_answer_with_its_status() {
    let doc = document();
    for (method, path, operation) in operations(&doc) {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            let status: u16 = status.parse().expect("a numeric status");
            if status < 400 {
                continue;
            }
            let names = named_in(response["description"].as_str().unwrap_or_default());
            assert!(
                !names.is_empty(),
                "{method} {path} {status}: written by hand, not from the operation's codes"
            );
            for name in names {
                let code = code_named(name)
                    .unwrap_or_else(|| panic!("{method} {path} {status}: unknown code {name}"));
                assert_eq!(
                    status_of_kind(code.kind()).as_u16(),
                    status,
                    "{method} {path}: {name}"
                );
            }
        }
    }
}

#[test]
fn every_path_parameter_is_declared() {
    let doc = document();
    for (method, path, operation) in operations(&doc) {
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let in_path: Vec<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(declared, in_path, "{method} {path}");
    }
}

#[test]
fn json_bodies_and_bearer_tokens_have_their_refusals_documented() {
    let doc = document();
    for (method, path, operation) in operations(&doc) {
        let codes = documented_codes(&operation);
        let has = |code: Code| codes.iter().any(|(_, c)| *c == code);
        if operation["requestBody"]["content"]
            .get("application/json")
            .is_some()
        {
            for code in super::refusals::JSON_BODY {
                assert!(has(*code), "{method} {path} does not document {code}");
            }
        }
        let security = operation["security"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let optional = security
            .iter()
            .any(|s| s.as_object().is_some_and(|s| s.is_empty()));
        if !security.is_empty() && !optional {
            assert!(
                codes.iter().any(|(status, _)| *status == 401),
                "{method} {path} takes a token and documents no 401"
            );
        }
    }
}

#[test]
fn the_operations_once_described_wrongly_now_say_what_they_do() {
    let doc = document();
    let op = |method: &str, path: &str| doc["paths"][path][method].clone();
    let documents = |method: &str, path: &str, status: u16, code: Code| {
        assert!(
            documented_codes(&op(method, path)).contains(&(status, code)),
            "{method} {path} should document {status} {code}"
        );
    };
    documents("get", "/api/v1/orders/{id}", 401, Code::Unauthenticated);
    documents("get", "/api/v1/orders/{id}", 404, Code::OrderNotFound);
    documents(
        "post",
        "/api/v1/orders/{id}/refresh",
        404,
        Code::OrderNotFound,
    );
    documents("post", "/api/v1/orders", 401, Code::Unauthenticated);
    documents("post", "/api/v1/orders", 404, Code::PlanNotFound);
    documents("post", "/api/v1/orders", 415, Code::UnsupportedMediaType);
    documents("post", "/api/v1/quotes", 401, Code::Unauthenticated);
    documents("post", "/api/v1/sessions", 400, Code::MalformedJson);
    documents(
        "post",
        "/api/v1/verification-codes",
        401,
        Code::Unauthenticated,
    );
    documents("put", "/api/v1/admin/plans/{code}", 400, Code::InvalidPlan);
    documents(
        "put",
        "/api/v1/admin/plans/{code}",
        409,
        Code::CatalogChangedConcurrently,
    );
    documents(
        "get",
        "/api/v1/admin/plans/{code}",
        400,
        Code::InvalidPlanCode,
    );
    documents(
        "post",
        "/api/v1/admin/coupons/{code}/retire",
        409,
        Code::IsAPromotion,
    );
    documents(
        "post",
        "/api/v1/webhooks/{provider}",
        404,
        Code::UnknownProvider,
    );
}

/// The document names each schema by its type's name alone, so two types of one name
/// would silently share one schema (the second's fields would describe the first's
/// answers): every type the API documents has a name of its own.
#[test]
fn no_two_documented_types_share_a_name() {
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut clashes = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let mut derives_schema = false;
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with("#[derive(") {
                    derives_schema = line.contains("ToSchema");
                    continue;
                }
                if line.starts_with("#[") || line.starts_with("///") {
                    continue;
                }
                if derives_schema {
                    let name = ["pub struct ", "pub enum ", "struct ", "enum "]
                        .iter()
                        .find_map(|p| line.strip_prefix(p))
                        .map(|rest| {
                            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                                .next()
                                .unwrap_or("")
                        });
                    if let Some(name) = name.filter(|n| !n.is_empty()) {
                        let here = path.display().to_string();
                        if let Some(before) = seen.insert(name.to_owned(), here.clone()) {
                            clashes.push(format!("{name}: {before} and {here}"));
                        }
                    }
                }
                derives_schema = false;
            }
        }
    }
    assert!(
        clashes.is_empty(),
        "types documented under one name: {clashes:#?}"
    );
}
