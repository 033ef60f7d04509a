//! `datacard staff …`: console logins for the back office, from the shell.

use std::process::ExitCode;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::error::ErrorKind;
use crate::i18n::{Locale, t};
use crate::staff::{self, Role};

use super::StaffCommand;

/// What `datacard` writes as the audit log's actor for changes made from the shell.
const ACTOR: &str = "cli";

pub async fn run(config: Config, command: StaffCommand) -> anyhow::Result<ExitCode> {
    let app = crate::server::build_for_data(config, Arc::new(SystemClock)).await?;
    let refused = |error: crate::error::Error| -> anyhow::Result<ExitCode> {
        if error.kind == ErrorKind::Internal {
            return Err(anyhow::anyhow!("{error}"));
        }
        eprintln!("error: {}", t(Locale::En, &format!("error.{}", error.code)));
        Ok(ExitCode::from(2))
    };
    match command {
        StaffCommand::Create { email, role } => {
            let created = match Role::parse(&role) {
                Ok(role) => staff::create(&app, &email, role, ACTOR).await,
                Err(error) => Err(error),
            };
            match created {
                Ok(enrolment) => {
                    println!("{}", enrolment.link(&app.config.public_url()));
                    eprintln!(
                        "{} is {}; send them this enrolment link: it works once, until {} (UTC), and is not shown again",
                        enrolment.member.email,
                        enrolment.member.role.as_str(),
                        enrolment.expires_at.format("%Y-%m-%d %H:%M")
                    );
                }
                Err(error) => return refused(error),
            }
        }
        StaffCommand::List => {
            for member in staff::list(&app).await? {
                let state = match (member.disabled_at, member.enrolled_at) {
                    (Some(_), _) => "disabled",
                    (None, Some(_)) => "active",
                    (None, None) => "invited",
                };
                println!("{}\t{}\t{state}", member.email, member.role.as_str());
            }
        }
        StaffCommand::Disable { email } => match staff::disable(&app, &email, ACTOR).await {
            Ok(true) => println!("disabled {}", email.trim()),
            Ok(false) => {
                eprintln!("no active staff member {}", email.trim());
                return Ok(ExitCode::from(2));
            }
            Err(error) => return refused(error),
        },
    }
    Ok(ExitCode::SUCCESS)
}
