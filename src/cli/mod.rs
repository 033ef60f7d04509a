//! The command line: the clap tree and its dispatch; each command's work is in
//! `serve`, `imports` or `operator`.

mod imports;
mod operator;
mod serve;
mod staff;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::db::{Db, DbOptions};

#[derive(Parser)]
#[command(
    name = "datacard",
    version,
    about = "Prepaid eSIM data plans: portal, API and back office"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Common {
    /// TOML configuration file (defaults, then this file, then DATACARD_* variables).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the embedded database, the outbox and generated files live.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (portal, API, background work).
    Serve {
        /// Demo data, the file outbox, and payments through the real provider adapters
        /// against local fakes of Stripe, Alipay and WeChat Pay (no real money).
        #[arg(long)]
        demo: bool,
        /// With --demo: pay through the built-in sandbox provider instead of the fakes.
        #[arg(long, requires = "demo")]
        sandbox_payments: bool,
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage the plan catalog.
    Plans {
        #[command(subcommand)]
        command: PlansCommand,
    },
    /// Manage the stock of eSIM profiles.
    Inventory {
        #[command(subcommand)]
        command: InventoryCommand,
    },
    /// API keys for network elements and upstream providers.
    NetworkKeys {
        #[command(subcommand)]
        command: NetworkKeysCommand,
    },
    /// Back-office staff: console logins with a role.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// API keys for the operator's back office (`/api/v1/admin/…`).
    OperatorKeys {
        #[command(subcommand)]
        command: OperatorKeysCommand,
    },
    /// Usage records from the host operator.
    Usage {
        #[command(subcommand)]
        command: UsageCommand,
    },
    /// Payments that need a person: list them, ask the provider, refund.
    Payments {
        #[command(subcommand)]
        command: PaymentsCommand,
    },
    /// Measure a hot path against its floor.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Check the books.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum PlansCommand {
    /// Import a catalog file (TOML); changed plans get a new version.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum InventoryCommand {
    /// Import eSIM profiles from CSV: iccid,smdp_address,matching_id.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum NetworkKeysCommand {
    /// Create a key for a source; the key is printed once.
    Create { name: String },
    /// Revoke a source's key.
    Revoke { name: String },
}

#[derive(Subcommand)]
pub(crate) enum OperatorKeysCommand {
    /// Create a key; it is printed once, and its name is the actor in the audit log.
    Create {
        name: String,
        /// What the key may do: admin, support, finance or viewer.
        #[arg(long, default_value = "admin")]
        role: String,
    },
    /// Revoke a key; its name stays taken, so the audit log stays unambiguous.
    Revoke { name: String },
}

#[derive(Subcommand)]
pub(crate) enum StaffCommand {
    /// Add a member with a role; prints their one-time enrolment link (24 h).
    Create {
        email: String,
        /// admin, support, finance or viewer.
        #[arg(long)]
        role: String,
    },
    /// List the staff with their roles and states.
    List,
    /// Disable a member: their sessions end and they can no longer log in.
    Disable { email: String },
}

#[derive(Subcommand)]
enum UsageCommand {
    /// Import a CDR export (CSV); bad rows are reported by line, the rest applied.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum PaymentsCommand {
    /// Orders and payments flagged for attention, and unmatched notifications.
    Attention,
    /// Ask the provider about a payment now.
    Query { payment_id: String },
    /// Refund a succeeded payment (the order becomes refunded).
    Refund { payment_id: String },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Usage records through the engine at batch sizes 1, 100, 1 000, 10 000, and a hot line.
    Usage {
        #[arg(long, default_value_t = 1000)]
        lines: usize,
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        #[arg(long, default_value_t = 64)]
        producers: usize,
        #[arg(long, default_value_t = 5)]
        hot_seconds: u64,
        /// PostgreSQL to measure on as well (a scratch schema is made and dropped).
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Complete checkouts: order, sandbox payment, signed notification, fulfilment.
    Checkout {
        #[arg(long, default_value_t = 2000)]
        checkouts: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// PostgreSQL to measure on as well (a scratch schema is made and dropped).
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Exit 0 only when every transaction balances and every balance equals its entries.
    Check,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Exit 0 only when every entry matches its hash and the chain runs from entry 1 to
    /// the last without a gap; otherwise name the entries changed, removed or inserted.
    Verify,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(common: &Common) -> anyhow::Result<Config> {
    let mut config = Config::load(common.config.as_deref())?;
    if let Some(dir) = &common.data_dir {
        config.data_dir = dir.clone();
    }
    Ok(config)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if result.is_err() {
        eprintln!("logging was already set up");
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = load_config(&cli.common)?;
    if matches!(cli.command, Command::Bench { .. }) {
        // Per-request logs would be measured too.
        config.log_level = "warn".into();
    }
    init_logging(&config);
    match cli.command {
        Command::Serve {
            demo,
            sandbox_payments,
            bind,
        } => {
            config.demo |= demo;
            if demo && !sandbox_payments {
                config.payments.fakes = true;
            }
            if sandbox_payments {
                for method in [
                    &mut config.payments.card,
                    &mut config.payments.alipay,
                    &mut config.payments.wechat_pay,
                ] {
                    method.provider = crate::payments::ProviderName::Sandbox;
                }
            }
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            serve::serve(config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = connect(&config).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Plans {
            command: PlansCommand::Import { file },
        } => imports::plans(config, &file).await,
        Command::Inventory {
            command: InventoryCommand::Import { file },
        } => imports::inventory(config, &file).await,
        Command::NetworkKeys { command } => imports::network_keys(config, command).await,
        Command::OperatorKeys { command } => operator::operator_keys(config, command).await,
        Command::Staff { command } => staff::run(config, command).await,
        Command::Usage {
            command: UsageCommand::Import { file },
        } => imports::usage(config, &file).await,
        Command::Payments { command } => operator::payments(config, command).await,
        Command::Bench {
            command:
                BenchCommand::Usage {
                    lines,
                    records,
                    producers,
                    hot_seconds,
                    postgres,
                },
        } => {
            let options = crate::bench::usage::Options {
                lines: lines.max(1),
                records: records.max(1),
                postgres_url: postgres,
                producers: producers.max(1),
                hot_seconds,
            };
            crate::bench::usage::run(&options).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Checkout {
                    checkouts,
                    concurrency,
                    postgres,
                },
        } => {
            let options = crate::bench::checkout::Options {
                checkouts,
                concurrency: concurrency.max(1),
                postgres_url: postgres,
            };
            crate::bench::checkout::run(&options).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger {
            command: LedgerCommand::Check,
        } => operator::ledger_check(config).await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => operator::audit_verify(config).await,
    }
}

/// The database, for the commands that only read or write data (`migrate`, imports,
/// keys, `ledger check`): payment and message settings are not needed for those.
pub(super) async fn connect(config: &Config) -> anyhow::Result<Db> {
    config.validate_storage()?;
    crate::private_files::create_dir(&config.data_dir)?;
    Db::connect(&DbOptions::from_config(config)).await
}
