//! The command line: `serve`, `migrate`, `plans import`, `ledger check`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::clock::SystemClock;
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
        /// Demo data, sandbox payments and the file outbox.
        #[arg(long)]
        demo: bool,
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
enum NetworkKeysCommand {
    /// Create a key for a source; the key is printed once.
    Create { name: String },
    /// Revoke a source's key.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum UsageCommand {
    /// Import a CDR export (CSV); bad rows are reported by line, the rest applied.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum PaymentsCommand {
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
        Command::Serve { demo, bind } => {
            config.demo |= demo;
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            serve(config).await?;
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
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let specs = match crate::catalog::parse(&text) {
                Ok(specs) => specs,
                Err(errors) => {
                    for error in errors {
                        eprintln!("{}: {error}", file.display());
                    }
                    return Ok(ExitCode::from(2));
                }
            };
            let app = crate::server::build(config, Arc::new(SystemClock)).await?;
            let report = crate::catalog::import(&app, &specs, "cli").await?;
            println!(
                "{} plans: {} new, {} with a new version, {} retired, {} unchanged",
                specs.len(),
                report.created.len(),
                report.new_versions.len(),
                report.retired.len(),
                report.unchanged.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Inventory {
            command: InventoryCommand::Import { file },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let Ok(text) = String::from_utf8(bytes) else {
                eprintln!("{}: not UTF-8 text", file.display());
                return Ok(ExitCode::from(2));
            };
            let app = crate::server::build(config, Arc::new(SystemClock)).await?;
            let report = crate::inventory::import_csv(&app, &text).await?;
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
        Command::NetworkKeys { command } => {
            let app = crate::server::build(config, Arc::new(SystemClock)).await?;
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
        Command::Usage {
            command: UsageCommand::Import { file },
        } => {
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let app = crate::server::build(config, Arc::new(SystemClock)).await?;
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
        Command::Payments { command } => {
            let app = crate::server::build(config, Arc::new(SystemClock)).await?;
            match command {
                PaymentsCommand::Attention => {
                    let items = crate::payments::operator::needing_attention(&app).await?;
                    if items.is_empty() {
                        println!("nothing needs attention");
                    }
                    for item in items {
                        println!(
                            "{:<8} {:<34} {:<16} {}",
                            item.subject, item.id, item.state, item.reasons
                        );
                    }
                }
                PaymentsCommand::Query { payment_id } => {
                    let state = crate::payments::operator::query(&app, &payment_id).await?;
                    println!("{payment_id}: {}", state.as_str());
                }
                PaymentsCommand::Refund { payment_id } => {
                    crate::payments::operator::refund(&app, &payment_id, "cli").await?;
                    crate::payments::reconcile::run_due(&app, "cli").await?;
                    println!("{payment_id}: refund requested");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
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
        } => {
            let db = connect(&config).await?;
            db.migrate().await?;
            let report = crate::ledger::check(&db).await?;
            println!(
                "{} transactions, {} ledger accounts",
                report.transactions, report.accounts
            );
            for id in &report.unbalanced {
                println!("unbalanced transaction {id}");
            }
            for code in &report.mismatched {
                println!("balance differs from entries: {code}");
            }
            for id in &report.wrong_currency {
                println!("entry in the wrong currency in transaction {id}");
            }
            if report.is_clean() {
                println!("ledger is balanced");
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    config.validate()?;
    std::fs::create_dir_all(&config.data_dir)?;
    Db::connect(&DbOptions::from_config(config)).await
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.server.bind.clone();
    let demo = config.demo;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let mut config = config;
    if config.server.public_url.is_empty() {
        config.server.public_url = format!("http://{}", listener.local_addr()?);
    }
    let url = config.public_url();
    let app = crate::server::build(config, Arc::new(SystemClock)).await?;
    println!("datacard is running: open {url}");
    if demo {
        let login = crate::demo::seed(&app).await?;
        println!(
            "demo subscriber: {} / {} (password {})",
            login.phone, login.email, login.password
        );
        println!("demo outbox (SMS and email): {url}/dev/outbox");
        println!(
            "post usage for the demo line (1 GB now):\n  curl -s {url}/api/v1/usage -H 'authorization: Bearer {}' -H 'content-type: application/json' \\\n    -d '{{\"records\":[{{\"id\":\"demo-'$(date +%s)'\",\"iccid\":\"{}\",\"bytes\":1073741824,\"started_at\":\"'$(date -u +%FT%TZ)'\",\"ended_at\":\"'$(date -u +%FT%TZ)'\"}}]}}'",
            crate::demo::DEMO_NETWORK_KEY,
            crate::demo::demo_iccid()
        );
    }
    crate::server::serve(app, listener, crate::server::shutdown_signal()).await
}
