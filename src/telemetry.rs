//! Logs, and optionally traces over OTLP.
//!
//! Logs go to stderr as text or JSON (`LOG_FORMAT`), filtered by `LOG_LEVEL`.
//! When `OTEL_EXPORTER_OTLP_ENDPOINT` is set (e.g. `http://collector:4318`),
//! spans are also exported over OTLP/HTTP (protobuf) in batches: one per
//! GraphQL operation (`graphql.request`), per background job (`job`), and per
//! SQL statement (SeaORM's own spans). The standard `OTEL_*` variables
//! (service name, headers, batch delays) apply.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, Settings};

/// Which spans go to the collector: ours, and SeaORM's per statement.
const TRACE_FILTER: &str = "invoice_finance=info,sea_orm::driver=trace,sea_orm::database=trace";

/// Keeps the exporter alive; flushes what is buffered when shut down.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends the spans still buffered (at exit).
    pub fn shutdown(self) {
        if let Some(p) = self.provider
            && let Err(e) = p.shutdown()
        {
            eprintln!("invoice-finance: flushing traces failed: {e}");
        }
    }
}

/// Installs the global subscriber: logs, and traces when configured.
pub fn init(settings: &Settings) -> Result<Telemetry, opentelemetry_otlp::ExporterBuildError> {
    let log_filter =
        EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match settings.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed(),
    }
    .with_filter(log_filter);
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty());
    let provider = match endpoint {
        Some(_) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()?;
            let service =
                std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "invoice-finance".into());
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(
                        opentelemetry_sdk::Resource::builder()
                            .with_service_name(service)
                            .build(),
                    )
                    .build(),
            )
        }
        None => None,
    };
    let traces = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("invoice-finance"))
            .with_filter(EnvFilter::new(TRACE_FILTER))
    });
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init();
    Ok(Telemetry { provider })
}
