//! Structured logging. Secrets and personal data are never passed to log macros; request ids
//! come from the request span.

use tracing_subscriber::EnvFilter;

/// Install the global subscriber once (text or JSON).
pub fn init_tracing(level: &str, format: &str) {
    // The search engine logs every segment commit at info; keep it to warnings unless asked.
    let level = if level.contains("tantivy") { level.to_owned() } else { format!("{level},tantivy=warn") };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if format == "json" { builder.json().try_init() } else { builder.compact().try_init() };
}
