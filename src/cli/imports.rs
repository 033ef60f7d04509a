//! Commands that bring data in: the catalog, eSIM stock, usage records, network keys.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Config;

use super::NetworkKeysCommand;

pub async fn plans(config: Config, file: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let specs = match crate::promotions::catalog_file::parse(&text) {
        Ok(specs) => specs,
        Err(errors) => {
            for error in errors {
                eprintln!("{}: {error}", file.display());
            }
            return Ok(ExitCode::from(2));
        }
    };
    let app = crate::server::build_for_data(config, Arc::new(SystemClock)).await?;
    let report = crate::promotions::catalog_file::import(&app, &specs, "cli").await?;
    println!(
        "{} plans: {} new, {} with a new version, {} retired, {} unchanged",
        specs.plans.len(),
        report.created.len(),
        report.new_versions.len(),
        report.retired.len(),
        report.unchanged.len()
    );
    if !specs.promotions.is_empty() {
        let promotions = &report.promotions;
        println!(
            "{} promotions and coupons: {} new, {} changed, {} retired, {} unchanged",
            specs.promotions.len(),
            promotions.created.len(),
            promotions.changed.len(),
            promotions.retired.len(),
            promotions.unchanged.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn inventory(config: Config, file: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("{}: not UTF-8 text", file.display());
        return Ok(ExitCode::from(2));
    };
    let app = crate::server::build_for_data(config, Arc::new(SystemClock)).await?;
    let report = crate::inventory::import_csv(&app, &text, "cli").await?;
    for (line, problem) in &report.rejected {
        eprintln!("{}:{line}: {problem}", file.display());
    }
    println!(
        "{} eSIMs added, {} already in stock, {} rows rejected; {} available",
        report.added,
        report.already_there,
        report.rejected.len(),
        crate::inventory::available(&app).await?
    );
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

pub async fn network_keys(config: Config, command: NetworkKeysCommand) -> anyhow::Result<ExitCode> {
    let app = crate::server::build_for_data(config, Arc::new(SystemClock)).await?;
    match command {
        NetworkKeysCommand::Create { name } => {
            let key = crate::usage::keys::create(&app, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{key}");
            eprintln!("keep this key now: it is not shown again");
        }
        NetworkKeysCommand::Revoke { name } => {
            if !crate::usage::keys::revoke(&app, &name).await? {
                eprintln!("no active key called {name}");
                return Ok(ExitCode::from(2));
            }
            println!("revoked {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn usage(config: Config, file: &Path) -> anyhow::Result<ExitCode> {
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let app = crate::server::build_for_data(config, Arc::new(SystemClock)).await?;
    let report = crate::usage::csv::import(&app, std::io::BufReader::new(input), |rows| {
        eprint!("\r{rows} rows read")
    })
    .await;
    eprintln!();
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!(
                "{}: {}",
                file.display(),
                crate::i18n::t(crate::i18n::Locale::En, &format!("error.{}", error.code))
            );
            return Ok(ExitCode::from(2));
        }
    };
    for (line, code) in &report.rejected {
        eprintln!("{}:{line}: {code}", file.display());
    }
    println!(
        "{} rows: {} applied, {} already applied, {} rejected",
        report.rows,
        report.accepted,
        report.duplicates,
        report.rejected.len()
    );
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
