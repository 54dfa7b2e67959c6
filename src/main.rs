//! The `invoice-finance` command line: serve (default), migrate, export-schema,
//! seed-demo, token create.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use invoice_finance::app::{Application, open_state};
use invoice_finance::clock::{Clock, ScaledClock, SystemClock};
use invoice_finance::config::{LogFormat, Settings};
use invoice_finance::domain::identifiers::parse_identity_number;
use invoice_finance::seed::{DemoTokens, seed_demo};
use invoice_finance::store::{Role, companies, tokens};
use tracing_subscriber::EnvFilter;

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
    /// Seed the demo data if absent and print fresh demo tokens as NAME=value
    /// lines for `eval`.
    SeedDemo,
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (it is stored hashed and cannot be shown again).
    Create {
        /// Organisation number of the company the token acts for (company role).
        #[arg(long)]
        company: Option<String>,
        /// Role of the token.
        #[arg(long, value_enum, default_value = "company")]
        role: RoleArg,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Company,
    Operator,
}

fn init_logging(settings: &Settings) {
    let filter = EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
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
            init_logging(&settings);
            open_state(settings, clock)
                .await
                .context("migrating the database")?;
            eprintln!("migrations applied");
        }
        Command::SeedDemo => {
            let url = graphql_url(&settings);
            let state = open_state(settings, clock)
                .await
                .context("opening the database")?;
            let tokens = seed_demo(&state).await.context("seeding demo data")?;
            print_tokens(&url, &tokens);
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    company,
                    role,
                    label,
                },
        } => {
            let state = open_state(settings, clock.clone())
                .await
                .context("opening the database")?;
            let company_id = match company {
                Some(org) => {
                    let normalised = parse_identity_number("company", &org, clock.today())
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                        .normalised;
                    let c = companies::find_by_organisation_number(&state.db, &normalised)
                        .await?
                        .with_context(|| {
                            format!("no company with organisation number {normalised}")
                        })?;
                    Some(c.id)
                }
                None => None,
            };
            let role = match role {
                RoleArg::Company => Role::Company,
                RoleArg::Operator => Role::Operator,
            };
            if role == Role::Company && company_id.is_none() {
                bail!("a company token needs --company <organisation number>");
            }
            let secret = tokens::create(&state.db, company_id, role, &label, clock.now()).await?;
            println!("{secret}");
        }
        Command::Serve => {
            init_logging(&settings);
            let seed = settings.seed_demo;
            let app = Application::build(settings.clone(), clock)
                .await
                .context("starting the server")?;
            let url = format!("http://{}/graphql", app.addr());
            if seed && !companies::any(&app.state().db).await? {
                let tokens = seed_demo(app.state()).await.context("seeding demo data")?;
                println!("Demo data seeded. Tokens (stored hashed, shown only now):");
                print_tokens(&url, &tokens);
            } else if seed {
                println!("Demo data present. For fresh demo tokens run: invoice-finance seed-demo");
            }
            println!("GraphiQL: {url}  (set the header Authorization: Bearer <COMPANY_TOKEN>)");
            println!("Health:   http://{}/healthz", app.addr());
            app.run_until(shutdown_signal()).await?;
        }
    }
    Ok(())
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
