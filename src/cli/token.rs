//! `invoice-finance token`: create, list and revoke API tokens from the
//! command line (part of the binary, not of the library).

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use invoice_finance::clock::Clock;
use invoice_finance::domain::id::CompanyId;
use invoice_finance::domain::identifiers::parse_identity_number;
use invoice_finance::store::{Role, companies, tokens};

#[derive(Subcommand)]
pub enum TokenCommand {
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
        /// Expire the token after this long (`90d`, `12h`, `30m`); without it
        /// the token lasts until revoked.
        #[arg(long, value_parser = parse_expiry)]
        expires_in: Option<chrono::TimeDelta>,
    },
    /// List tokens (never their secrets): id, label, role, company, created,
    /// last used, expires, revoked.
    List {
        /// Only the tokens of the company with this organisation number.
        #[arg(long)]
        company: Option<String>,
    },
    /// Revoke a token by id: it is refused from now on, and its open
    /// WebSockets are closed (4403).
    Revoke {
        /// The token id (from `token list`).
        id: i64,
    },
}

fn parse_expiry(s: &str) -> Result<chrono::TimeDelta, String> {
    let d = invoice_finance::config::parse_duration(s)?;
    chrono::TimeDelta::from_std(d).map_err(|_| format!("`{s}` is too long"))
}

async fn company_by_org(
    state: &invoice_finance::state::AppState,
    org: &str,
    today: chrono::NaiveDate,
) -> anyhow::Result<CompanyId> {
    let normalised = parse_identity_number("company", org, today)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .normalised;
    let c = companies::find_by_organisation_number(&state.db, &normalised)
        .await?
        .with_context(|| format!("no company with organisation number {normalised}"))?;
    Ok(c.id)
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%dT%H:%MZ").to_string())
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Company,
    Operator,
}

pub async fn run(
    state: &invoice_finance::state::AppState,
    command: TokenCommand,
    clock: &dyn Clock,
) -> anyhow::Result<()> {
    // The command line runs on the server's machine with its database: it is
    // the financier, with no token.
    #[allow(clippy::disallowed_methods)]
    let op = invoice_finance::store::Operator::system();
    match command {
        TokenCommand::Create {
            company,
            role,
            label,
            expires_in,
        } => {
            let company_id = match company {
                Some(org) => Some(company_by_org(state, &org, clock.today()).await?),
                None => None,
            };
            let role = match role {
                RoleArg::Company => Role::Company,
                RoleArg::Operator => Role::Operator,
            };
            match (role, company_id) {
                (Role::Company, None) => {
                    bail!("a company token needs --company <organisation number>")
                }
                (Role::Operator, Some(_)) => {
                    bail!("an operator token acts for no company; drop --company")
                }
                _ => {}
            }
            let now = clock.now();
            let expires_at = expires_in.map(|d| now + d);
            let (info, secret) = invoice_finance::services::operators::create_token(
                state, op, company_id, &label, expires_at,
            )
            .await?;
            eprintln!(
                "token {} created{}",
                info.id,
                expires_at.map_or(String::new(), |at| format!(", expires {}", when(Some(at))))
            );
            println!("{secret}");
        }
        TokenCommand::List { company } => {
            let company_id = match company {
                Some(org) => Some(company_by_org(state, &org, clock.today()).await?),
                None => None,
            };
            let all = tokens::list(&state.db, op, company_id).await?;
            println!(
                "{:>6}  {:<24} {:<8} {:>7}  {:<17} {:<17} {:<17} {:<17}",
                "ID", "LABEL", "ROLE", "COMPANY", "CREATED", "LAST USED", "EXPIRES", "REVOKED"
            );
            for t in all {
                println!(
                    "{:>6}  {:<24} {:<8} {:>7}  {:<17} {:<17} {:<17} {:<17}",
                    t.id,
                    t.label.chars().take(24).collect::<String>(),
                    t.role.as_str(),
                    t.company_id.map_or_else(|| "-".into(), |c| c.to_string()),
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    when(t.expires_at),
                    when(t.revoked_at),
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let id = invoice_finance::domain::id::TokenId::new(id);
            let before = tokens::get(&state.db, op, id)
                .await?
                .with_context(|| format!("no token with id {id}"))?;
            if before.revoked_at.is_some() {
                eprintln!("token {id} was already revoked");
            } else {
                invoice_finance::services::operators::revoke_token(state, op, id).await?;
                eprintln!(
                    "token {id} ({}) revoked; running servers refuse it within {} s",
                    before.label,
                    tokens::REVOCATION_POLL.as_secs()
                );
            }
        }
    }
    Ok(())
}
