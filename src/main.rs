//! The `invoice-finance` command line: serve (default), migrate, export-schema,
//! seed-demo, seed-bulk, token create.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use invoice_finance::app::{Application, open_state};
use invoice_finance::clock::{Clock, ScaledClock, SystemClock};
use invoice_finance::config::Settings;
use invoice_finance::seed::{DemoTokens, seed_demo};
use invoice_finance::seed_bulk::{BulkPlan, seed_bulk};
use invoice_finance::store::companies;

mod cli {
    pub mod token;
}

// A GraphQL response is built from many small allocations across threads;
// mimalloc serves them with far less contention than the system allocator
// (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// GraphQL server for invoice sale and Nox Finans invoice services.
///
/// With no arguments it serves on an SQLite file in the working directory,
/// seeding demo data on first start. Every setting can also come from the
/// environment variable named in its help.
#[derive(Parser)]
#[command(name = "invoice-finance", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GraphQL over HTTP and WebSocket (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    ExportSchema,
    /// Seed the demo data if absent and print its tokens as NAME=value lines
    /// for `eval`. When the demo is already there, it mints fresh tokens only
    /// with --new-tokens.
    SeedDemo {
        /// Mint fresh demo tokens even if the demo data was seeded before
        /// (earlier demo tokens stay valid until revoked).
        #[arg(long)]
        new_tokens: bool,
    },
    /// Create a large deterministic data set (companies, customers, invoices,
    /// sales, payments-account entries) for trying the server at scale, and
    /// print a fresh company token per company as NAME=value lines.
    SeedBulk {
        /// Regular companies.
        #[arg(long, default_value_t = 10)]
        companies: u32,
        /// Customers per company.
        #[arg(long, default_value_t = 1_000)]
        customers: u32,
        /// Invoices per regular company.
        #[arg(long, default_value_t = 20_000)]
        invoices: u32,
        /// Sales per company (four in five paid out, one in five denied).
        #[arg(long, default_value_t = 5_000)]
        sales: u32,
        /// Payments-account entries per company.
        #[arg(long, default_value_t = 10_000)]
        entries: u32,
        /// A further company with this many invoices (repeatable), for
        /// comparing a small company with a very large one.
        #[arg(long = "extra-company", value_name = "INVOICES")]
        extra_companies: Vec<u32>,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: cli::token::TokenCommand,
    },
}

fn init_logging(settings: &Settings) -> anyhow::Result<invoice_finance::telemetry::Telemetry> {
    invoice_finance::telemetry::init(settings).context("setting up OTLP trace export")
}

fn graphql_url(settings: &Settings) -> String {
    format!("http://{}/graphql", settings.bind_addr)
}

fn print_tokens(url: &str, t: &DemoTokens) {
    println!("GRAPHQL_URL={url}");
    println!("COMPANY_TOKEN={}", t.company);
    println!("OTHER_COMPANY_TOKEN={}", t.other_company);
    println!("OPERATOR_TOKEN={}", t.operator);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = cli.settings;
    if let Err(e) = settings.validate() {
        eprintln!("invoice-finance: {e}");
        std::process::exit(2);
    }
    let clock: Arc<dyn Clock> = if settings.clock_speed > 1 {
        Arc::new(ScaledClock::new(settings.clock_speed))
    } else {
        Arc::new(SystemClock)
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::ExportSchema => {
            print!("{}", invoice_finance::graphql::sdl());
        }
        Command::Migrate => {
            let _telemetry = init_logging(&settings)?;
            open_state(settings, clock)
                .await
                .context("migrating the database")?;
            eprintln!("migrations applied");
        }
        Command::SeedDemo { new_tokens } => {
            let url = graphql_url(&settings);
            let state = open_state(settings, clock)
                .await
                .context("opening the database")?;
            let seeded = seed_demo(&state, new_tokens)
                .await
                .context("seeding demo data")?;
            match (seeded.created, &seeded.tokens) {
                (true, Some(t)) => {
                    eprintln!("Demo data seeded. Tokens (stored hashed, shown only now):");
                    print_tokens(&url, t);
                }
                (false, Some(t)) => {
                    eprintln!(
                        "Demo data was present; minted fresh demo tokens. Earlier demo tokens \
                         stay valid: see `invoice-finance token list`, revoke with `token revoke`."
                    );
                    print_tokens(&url, t);
                }
                (_, None) => eprintln!(
                    "Demo data is present; its tokens were printed when it was seeded. \
                     Run `invoice-finance seed-demo --new-tokens` to mint fresh ones."
                ),
            }
        }
        Command::SeedBulk {
            companies,
            customers,
            invoices,
            sales,
            entries,
            extra_companies,
        } => {
            let url = graphql_url(&settings);
            let state = open_state(settings, clock)
                .await
                .context("opening the database")?;
            let plan = BulkPlan {
                companies,
                customers_per_company: customers,
                invoices_per_company: invoices,
                sales_per_company: sales,
                entries_per_company: entries,
                extra_companies,
            };
            let started = std::time::Instant::now();
            let made = seed_bulk(&state, &plan)
                .await
                .context("seeding bulk data")?;
            let created = made.iter().filter(|c| c.created).count();
            eprintln!(
                "{created} companies created, {} already present, in {:.1} s; \
                 a fresh company token was minted for each (earlier ones stay valid)",
                made.len() - created,
                started.elapsed().as_secs_f64()
            );
            println!("GRAPHQL_URL={url}");
            for (i, c) in made.iter().enumerate() {
                let n = i + 1;
                println!("BULK_COMPANY_{n}_ORG={}", c.organisation_number);
                println!("BULK_COMPANY_{n}_INVOICES={}", c.invoices);
                println!("BULK_COMPANY_{n}_TOKEN={}", c.token);
            }
        }
        Command::Token { command } => {
            let state = open_state(settings, clock.clone())
                .await
                .context("opening the database")?;
            cli::token::run(&state, command, clock.as_ref()).await?;
        }
        Command::Serve => {
            let telemetry = init_logging(&settings)?;
            let seed = demo_wanted(&settings)?;
            let app = Application::build(settings.clone(), clock)
                .await
                .context("starting the server")?;
            let url = format!("http://{}/graphql", app.addr());
            if seed && !companies::any(&app.state().db).await? {
                let seeded = seed_demo(app.state(), false)
                    .await
                    .context("seeding demo data")?;
                if let Some(tokens) = seeded.tokens {
                    println!("Demo data seeded. Tokens (stored hashed, shown only now):");
                    print_tokens(&url, &tokens);
                }
            } else if seed {
                println!(
                    "Demo data present. For fresh demo tokens run: invoice-finance seed-demo --new-tokens"
                );
            }
            if seed {
                println!("GraphiQL: {url}  (set the header Authorization: Bearer <COMPANY_TOKEN>)");
            } else {
                println!(
                    "GraphiQL: {url}  (send Authorization: Bearer <token>; make one with \
                     `invoice-finance token create`)"
                );
            }
            println!("Health:   http://{}/healthz", app.addr());
            let served = app.run_until(shutdown_signal()).await;
            telemetry.shutdown();
            served?;
        }
    }
    Ok(())
}

/// Whether `serve` seeds the demo: on the embedded SQLite database unless
/// switched off; never on PostgreSQL, where asking for it is a mistake.
fn demo_wanted(settings: &Settings) -> anyhow::Result<bool> {
    let sqlite = settings.database_url.starts_with("sqlite:");
    match (settings.seed_demo, sqlite) {
        (Some(true), false) => bail!(
            "SEED_DEMO=true: serve seeds demo data (with an operator token) only on the \
             embedded SQLite database; to put the demo on this database deliberately run \
             `invoice-finance seed-demo`"
        ),
        (Some(wanted), true) => Ok(wanted),
        (None, sqlite) => Ok(sqlite),
        (Some(false), false) => Ok(false),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
