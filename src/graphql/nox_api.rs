//! Nox Finans operations: query and mutation fields merged into the roots.

use crate::domain::id::{CaseId, CompanyId, InvoiceId};
use async_graphql::{Context, ID, InputObject, Object};

use super::ids::{decode_cursor, decode_id, decode_optional};
use super::types::invoice::{Invoice, brief::assess_width};
use super::types::nox::{
    DeliveryMethod, EligibilityColour, NoxFinansCandidate, NoxFinansCandidateConnection,
    NoxFinansCase, NoxFinansCaseConnection, NoxFinansPrice, NoxFinansService, NoxFinansSettings,
    SendResult, SendToNoxFinansPayload, price_list,
};
use super::types::sale::Reason;
use super::{state, tenant};
use crate::client_error::GqlResult;
use crate::domain::nox::{Delivery, Service};
use crate::error::AppError;
use crate::services::nox::{self as service, CandidateFilter};
use crate::store::nox::{self as store, NoxSettings};

/// Which rows the send view shows.
#[derive(InputObject, Default)]
pub struct NoxFinansCandidateFilter {
    /// Assess for this service; default the invoice service.
    pub service: Option<NoxFinansService>,
    /// Assess for this delivery; default the settings'.
    pub delivery: Option<DeliveryMethod>,
    /// Only invoices not yet printed or sent to the customer.
    pub only_unsent: Option<bool>,
    /// Only rows hidden with the trash can (otherwise hidden rows are left out).
    pub only_hidden: Option<bool>,
    /// Only these colours.
    pub colour: Option<Vec<EligibilityColour>>,
}

/// Nox Finans settings.
#[derive(InputObject)]
pub struct NoxFinansSettingsInput {
    /// Terms-of-payment codes that may be sent via Nox Finans.
    pub active_terms_of_payment: Vec<String>,
    /// Delivery used when a send does not name one.
    pub default_delivery: DeliveryMethod,
    /// At the end of the reminder steps, take the invoice back instead of
    /// long-term monitoring (no recall fee). Default false.
    pub recall_instead_of_monitoring: Option<bool>,
}

/// A batch to hand over.
#[derive(InputObject)]
pub struct SendToNoxFinansInput {
    /// The invoices (at most 100).
    pub invoice_ids: Vec<ID>,
    /// Which service.
    pub service: NoxFinansService,
    /// How to deliver; default the settings'.
    pub delivery: Option<DeliveryMethod>,
    /// Recall instead of long-term monitoring for these cases; default the
    /// settings'.
    pub recall_instead_of_monitoring: Option<bool>,
    /// A key chosen by the client: the same key returns the same cases. Sent
    /// again with another service, or another delivery or recall choice
    /// stated, an invoice it handed over is refused with `KEY_REUSED` (its
    /// case shown).
    pub idempotency_key: String,
}

/// The caller's company and the case `caseId` names.
fn company_case(ctx: &Context<'_>, case_id: &ID) -> GqlResult<(crate::store::Tenant, CaseId)> {
    Ok((tenant(ctx)?, decode_id::<CaseId>(case_id, "caseId")?))
}

fn settings_view(s: NoxSettings) -> NoxFinansSettings {
    NoxFinansSettings {
        active_terms_of_payment: s.active_terms,
        default_delivery: s.default_delivery.into(),
        recall_instead_of_monitoring: s.recall_instead_of_monitoring,
    }
}

/// Nox Finans queries.
#[derive(Default)]
pub struct NoxQuery;

#[Object(serial)]
impl NoxQuery {
    /// The company's Nox Finans settings.
    async fn nox_finans_settings(&self, ctx: &Context<'_>) -> GqlResult<NoxFinansSettings> {
        let t = tenant(ctx)?;
        Ok(settings_view(store::settings(&state(ctx).db, t).await?))
    }

    /// The Nox Finans price list.
    async fn nox_finans_price_list(&self) -> Vec<NoxFinansPrice> {
        price_list()
    }

    /// The send view: the company's invoices not handed over, newest first, each
    /// green, yellow or red with its reasons.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 20, child_complexity)")]
    async fn nox_finans_candidates(
        &self,
        ctx: &Context<'_>,
        filter: Option<NoxFinansCandidateFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<NoxFinansCandidateConnection> {
        let t = tenant(ctx)?;
        let st = state(ctx).clone();
        let max = st.settings.max_page_size;
        let first = match first {
            Some(n) if n < 0 || n as u32 > max => {
                return Err(AppError::validation("first", format!("must be 0 to {max}")).into());
            }
            Some(n) => n as u64,
            None => 20,
        };
        let after = after.map(|a| decode_cursor(&a, "after")).transpose()?;
        let f = filter.unwrap_or_default();
        let colours = f.colour.unwrap_or_default();
        let all = colours.is_empty();
        let cf = CandidateFilter {
            service: f.service.map_or(Service::InvoiceService, Into::into),
            delivery: f.delivery.map(Into::into),
            only_unsent: f.only_unsent.unwrap_or(false),
            only_hidden: f.only_hidden.unwrap_or(false),
            green: all || colours.contains(&EligibilityColour::Green),
            yellow: all || colours.contains(&EligibilityColour::Yellow),
            red: all || colours.contains(&EligibilityColour::Red),
        };
        // The invoices as the page's nodes and edges select them.
        let look = ctx.look_ahead();
        let invoices = look.field("nodes").field("invoice").selection_fields();
        let in_edges = look
            .field("edges")
            .field("node")
            .field("invoice")
            .selection_fields();
        let width = assess_width(ctx, invoices.into_iter().chain(in_edges));
        let (rows, has_next) = service::candidates(&st, t, cf, first, after, width).await?;
        let page = crate::store::page::Page {
            items: rows,
            has_next,
            has_previous: after.is_some(),
        };
        let counted = st.clone();
        Ok(NoxFinansCandidateConnection::from_page(
            page,
            NoxFinansCandidate,
            Box::new(move || {
                let st = counted.clone();
                Box::pin(async move { service::candidate_count(&st, t, cf).await })
            }),
        ))
    }

    /// Operators (for Nox Finans): invoices handed over and not yet accepted,
    /// oldest first, of every company or of `companyId`; the ones to reject
    /// with `rejectNoxFinansCase` before Nox Finans accepts them.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn nox_finans_submissions(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<NoxFinansCaseConnection> {
        let op = super::actor(ctx)?.operator()?;
        let company = decode_optional::<CompanyId>(company_id, "companyId")?;
        NoxFinansCaseConnection::read(
            ctx,
            super::connection::Window::forward(first, after),
            NoxFinansCase,
            store::submitted(op, company),
        )
        .await
    }
}

/// Nox Finans mutations.
#[derive(Default)]
pub struct NoxMutation;

#[Object(serial)]
impl NoxMutation {
    /// Saves the company's Nox Finans settings; send-view colours follow at once.
    async fn update_nox_finans_settings(
        &self,
        ctx: &Context<'_>,
        input: NoxFinansSettingsInput,
    ) -> GqlResult<NoxFinansSettings> {
        let t = tenant(ctx)?;
        let d: Delivery = input.default_delivery.into();
        let saved = service::update_settings(
            state(ctx),
            t,
            NoxSettings {
                active_terms: input.active_terms_of_payment,
                default_delivery: d,
                recall_instead_of_monitoring: input.recall_instead_of_monitoring.unwrap_or(false),
            },
        )
        .await?;
        Ok(settings_view(saved))
    }

    /// Hides a send-view row with the trash can, or shows it again.
    async fn set_nox_finans_hidden(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
        hidden: bool,
    ) -> GqlResult<NoxFinansCandidate> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&invoice_id, "invoiceId")?;
        Ok(NoxFinansCandidate(
            service::set_hidden(state(ctx), t, id, hidden).await?,
        ))
    }

    /// Hands a batch of invoices to Nox Finans. Red rows are refused with their
    /// blockers; others become cases, accepted by Nox Finans after a few minutes
    /// (a notification and a `noxFinansEvents` event tell when).
    async fn send_to_nox_finans(
        &self,
        ctx: &Context<'_>,
        input: SendToNoxFinansInput,
    ) -> GqlResult<SendToNoxFinansPayload> {
        let t = tenant(ctx)?;
        let ids = input
            .invoice_ids
            .iter()
            .enumerate()
            .map(|(i, id)| decode_id::<InvoiceId>(id, &format!("invoiceIds[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let results = service::send(
            state(ctx),
            t,
            ids,
            input.service.into(),
            input.delivery.map(Into::into),
            input.recall_instead_of_monitoring,
            &input.idempotency_key,
        )
        .await?;
        Ok(SendToNoxFinansPayload {
            results: results
                .into_iter()
                .map(|r| SendResult {
                    invoice: Invoice::from(r.invoice),
                    accepted: r.accepted,
                    case: r.case.map(NoxFinansCase),
                    warnings: r.assessment.warnings.iter().map(Reason::from).collect(),
                    blockers: if r.accepted {
                        Vec::new()
                    } else {
                        r.assessment.blockers.iter().map(Reason::from).collect()
                    },
                })
                .collect(),
        })
    }

    /// Pauses a case (at most 60 days); its timeline waits.
    async fn pause_nox_finans_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        until: super::scalars::Date,
    ) -> GqlResult<NoxFinansCase> {
        let (t, id) = company_case(ctx, &case_id)?;
        Ok(NoxFinansCase(
            crate::services::nox_case::pause(state(ctx), t, id, until.0).await?,
        ))
    }

    /// Resumes a paused case.
    async fn resume_nox_finans_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> GqlResult<NoxFinansCase> {
        let (t, id) = company_case(ctx, &case_id)?;
        Ok(NoxFinansCase(
            crate::services::nox_case::resume(state(ctx), t, id).await?,
        ))
    }

    /// Operators (for Nox Finans): rejects a submitted invoice with a reason;
    /// the company gets an event and a notification, and the invoice is free.
    async fn reject_nox_finans_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The submitted case.")] case_id: ID,
        #[graphql(desc = "Why, for the company (1 to 500 characters).")] reason: String,
    ) -> GqlResult<NoxFinansCase> {
        let op = super::actor(ctx)?.operator()?;
        let id = decode_id::<CaseId>(&case_id, "caseId")?;
        Ok(NoxFinansCase(
            crate::services::nox_case::reject(state(ctx), op, id, &reason).await?,
        ))
    }

    /// Recalls a case from Nox Finans: free before Nox Finans accepts it,
    /// afterwards the recall fee (50 SEK + VAT) is charged. The invoice can be
    /// sent again later.
    async fn recall_from_nox_finans(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> GqlResult<NoxFinansCase> {
        let (t, id) = company_case(ctx, &case_id)?;
        Ok(NoxFinansCase(
            crate::services::nox_case::recall(state(ctx), t, id).await?,
        ))
    }
}
