//! The exchange runner: queues scheduled deliveries, runs queued deliveries one at a time,
//! sends due webhook notifications and escalates overdue applications and demands. Everything
//! it works on is in the store, so a restart loses nothing: deliveries left running are queued
//! again, notifications leased by a stopped process come due again when their lease ends. Safe
//! on several nodes (claims and schedule moves are conditional updates).

use std::time::Duration;

use crate::service::ShareService;

/// How long the runner sleeps when idle (it is woken earlier by new work on this node).
const IDLE: Duration = Duration::from_millis(250);

/// How often overdue applications and demands are looked for (they are also looked for
/// whenever a queue or the board is read).
const DEADLINES_EVERY: Duration = Duration::from_secs(60);

/// Runs deliveries and notifications in the background.
pub struct ExchangeRunner {
    share: ShareService,
    name: String,
}

impl ExchangeRunner {
    /// A runner named `name` (recorded on the deliveries it runs).
    pub fn new(share: ShareService, name: &str) -> Self {
        Self { share, name: name.to_owned() }
    }

    /// Queue deliveries again that a stopped process left running; returns how many.
    pub async fn recover(&self) -> zs_types::Result<u64> {
        self.share.store.requeue_running_deliveries().await
    }

    /// One round: schedule due plans and run one queued delivery. True if a delivery ran.
    pub async fn deliveries_once(&self) -> zs_types::Result<bool> {
        self.share.schedule_due().await?;
        self.share.run_one_delivery(&self.name).await
    }

    /// Run until the task is dropped: deliveries and notifications side by side.
    pub async fn run(self) {
        if let Err(e) = self.recover().await {
            tracing::warn!(error = %e.message, "recovering deliveries");
        }
        let deliveries = async {
            loop {
                match self.deliveries_once().await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e.message, "delivery runner"),
                }
                let _ = tokio::time::timeout(IDLE, self.share.exchange.wake.notified()).await;
            }
        };
        let notifications = async {
            loop {
                match self.share.send_due_notifications().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "notification sender"),
                }
                let _ = tokio::time::timeout(IDLE, self.share.exchange.wake.notified()).await;
            }
        };
        let deadlines = async {
            loop {
                if let Err(e) = self.share.escalate().await {
                    tracing::warn!(error = %e.message, "escalating overdue applications");
                }
                if let Err(e) = self.share.escalate_demands().await {
                    tracing::warn!(error = %e.message, "escalating overdue demands");
                }
                tokio::time::sleep(DEADLINES_EVERY).await;
            }
        };
        tokio::join!(deliveries, notifications, deadlines);
    }
}
