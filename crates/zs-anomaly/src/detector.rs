//! The rules' evaluation, one audit record at a time in trail order. Short windows (the last
//! hour, ten minutes, five minutes) live in memory and are rebuilt at start from the records
//! just before the cursor ([`crate::runner`]); the long baselines live in the store: a
//! consumer's hourly volume is read from the trail itself, the networks a credential was used
//! from are kept in `anomaly_addresses`.

use std::collections::HashMap;

use serde_json::json;
use zs_meta::DynStore;
use zs_types::{Outcome, Result};

use crate::hours::WorkingHours;
use crate::network::network_of;
use crate::observed::{DataOp, Observed};
use crate::rules::{Finding, Rule, Severity, HOUR, MINUTE};
use crate::settings::AnomalySettings;
use crate::window::{Hit, Window};

/// Active hours a consumer needs in the baseline period before the volume rule judges it.
pub const MIN_BASELINE_HOURS: usize = 3;

/// Windows of one grant.
struct GrantState {
    /// Successful calls of the last hour (rows).
    hour: Window,
    /// Those outside working hours.
    off: Window,
    /// Lookups of the last 10 minutes (sequential, miss).
    lookups: Window,
    /// Unfiltered later pages of the last 10 minutes.
    pages: Window,
}

impl GrantState {
    fn new() -> Self {
        Self {
            hour: Window::new(HOUR),
            off: Window::new(HOUR),
            lookups: Window::new(10 * MINUTE),
            pages: Window::new(10 * MINUTE),
        }
    }

    fn expire(&mut self, now: i64) -> bool {
        for w in [&mut self.hour, &mut self.off, &mut self.lookups, &mut self.pages] {
            w.expire(now);
        }
        self.hour.is_empty() && self.off.is_empty() && self.lookups.is_empty() && self.pages.is_empty()
    }
}

/// The rules' state.
pub struct Detector {
    settings: AnomalySettings,
    hours: WorkingHours,
    grants: HashMap<i64, GrantState>,
    denials: HashMap<String, Window>,
    /// (rule, subject) → quiet until (ms), for findings up to this severity.
    quiet: HashMap<(Rule, String), (i64, Severity)>,
    /// (grant, end of baseline period) → average rows per active hour.
    baselines: HashMap<(i64, i64), Option<f64>>,
    /// credential → network → calls.
    networks: HashMap<i64, HashMap<String, i64>>,
    /// Uses counted since the last flush: (credential, network) → (calls, latest).
    touches: HashMap<(i64, String), (i64, i64)>,
}

impl Detector {
    /// A detector with empty windows.
    pub fn new(settings: AnomalySettings, hours: WorkingHours) -> Self {
        Self {
            settings,
            hours,
            grants: HashMap::new(),
            denials: HashMap::new(),
            quiet: HashMap::new(),
            baselines: HashMap::new(),
            networks: HashMap::new(),
            touches: HashMap::new(),
        }
    }

    /// Replace the working hours (the calendar changed).
    pub fn set_hours(&mut self, hours: WorkingHours) {
        self.hours = hours;
    }

    /// Evaluate one record. With `emit` false (rebuilding the windows at start from records
    /// already evaluated) nothing is returned and no use is counted, but rules that fire start
    /// their quiet period, so an episode alerted before a restart is not alerted again.
    pub async fn observe(&mut self, store: &DynStore, o: &Observed, emit: bool) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        if let Some(g) = o.grant.filter(|_| o.action == crate::observed::DATA) {
            self.data_call(store, g, o, &mut out).await?;
        }
        if o.refused() {
            self.refusal(o, &mut out);
        }
        if o.after_revocation() {
            self.revoked_use(o, &mut out);
        }
        if emit && matches!(o.outcome, Outcome::Allowed | Outcome::Succeeded) {
            self.credential_use(store, o, &mut out).await?;
        }
        Ok(out.into_iter().filter_map(|f| self.fire(f, o.at)).filter(|_| emit).collect())
    }

    /// Write the counted credential uses to the store, forget empty windows and old baselines.
    pub async fn flush(&mut self, store: &DynStore, now: i64) -> Result<()> {
        for ((cred, net), (calls, at)) in std::mem::take(&mut self.touches) {
            store.touch_network(cred, &net, calls, at).await?;
        }
        self.grants.retain(|_, s| !s.expire(now));
        self.denials.retain(|_, w| {
            w.expire(now);
            !w.is_empty()
        });
        self.quiet.retain(|_, (until, _)| *until > now);
        self.baselines.retain(|(_, end), _| *end > now - 2 * HOUR);
        if self.networks.len() > 50_000 {
            self.networks.clear();
        }
        Ok(())
    }

    /// Start the quiet period of the finding's rule and subject; `None` if it is quiet already
    /// for this severity (an episode that grows more severe is alerted again: escalation).
    fn fire(&mut self, f: Finding, at: i64) -> Option<Finding> {
        if self.is_quiet(f.rule, &f.subject, at, f.severity) {
            return None;
        }
        self.quiet.insert((f.rule, f.subject.clone()), (at + f.rule.quiet_ms(), f.severity));
        Some(f)
    }

    /// Whether the rule already fired for the subject at `severity` or above within its quiet period.
    fn is_quiet(&self, rule: Rule, subject: &str, at: i64, severity: Severity) -> bool {
        self.quiet.get(&(rule, subject.to_owned())).is_some_and(|(until, fired)| *until > at && *fired >= severity)
    }

    async fn data_call(&mut self, store: &DynStore, grant: i64, o: &Observed, out: &mut Vec<Finding>) -> Result<()> {
        let subject = format!("grant:{grant}");
        let working = self.hours.contains(zs_types::clock::from_ms(o.at));
        let s = &self.settings;
        let st = self.grants.entry(grant).or_insert_with(GrantState::new);
        let hit = Hit { at: o.at, seq: o.seq, rows: o.rows, ..Hit::default() };
        if o.data_ok() {
            st.hour.push(hit);
            if !working {
                st.off.push(hit);
            }
        }
        match o.op {
            Some(DataOp::Lookup { sequential }) if o.data_ok() || o.lookup_miss() => {
                st.lookups.push(Hit { sequential, miss: o.lookup_miss(), ..hit });
            }
            Some(DataOp::List { paged: true, filtered: false }) if o.data_ok() => st.pages.push(hit),
            _ => {}
        }
        let (rows, calls, first) =
            (st.hour.rows(), st.hour.len(), st.hour.first().map_or((o.seq, o.at), |h| (h.seq, h.at)));
        let (off_rows, off_calls, off_first) =
            (st.off.rows(), st.off.len(), st.off.first().map_or((o.seq, o.at), |h| (h.seq, h.at)));
        let lookups = st.lookups.len();
        let sequential = st.lookups.sequential();
        let misses = st.lookups.misses();
        let lookup_first = st.lookups.first().map_or((o.seq, o.at), |h| (h.seq, h.at));
        let pages = st.pages.len();
        let pages_first = st.pages.first().map_or((o.seq, o.at), |h| (h.seq, h.at));

        // Off-hours bulk access.
        if !working && o.data_ok() && off_rows >= s.off_hours_rows {
            let severity = if off_rows >= 10 * s.off_hours_rows { Severity::Critical } else { Severity::High };
            out.push(self.finding(Rule::OffHours, severity, &subject, o, off_first, json!({
                "rows": off_rows, "calls": off_calls, "threshold_rows": s.off_hours_rows,
                "working_hours": format!("{:02}:{:02}-{:02}:{:02}", s.working_minutes.0 / 60, s.working_minutes.0 % 60,
                    s.working_minutes.1 / 60, s.working_minutes.1 % 60),
            })));
        }
        // Enumeration: sequential keys, guessing, or walking an unfiltered listing.
        let n = s.enumeration_calls;
        if lookups >= n && sequential * 2 >= lookups {
            out.push(self.finding(
                Rule::Enumeration,
                Severity::Critical,
                &subject,
                o,
                lookup_first,
                json!({
                    "pattern": "sequential_keys", "lookups": lookups, "sequential": sequential, "misses": misses,
                    "window_minutes": 10, "threshold_calls": n,
                }),
            ));
        } else if lookups >= n && misses * 10 >= lookups * 3 {
            out.push(self.finding(
                Rule::Enumeration,
                Severity::High,
                &subject,
                o,
                lookup_first,
                json!({
                    "pattern": "guessing_keys", "lookups": lookups, "sequential": sequential, "misses": misses,
                    "window_minutes": 10, "threshold_calls": n,
                }),
            ));
        } else if pages >= n {
            out.push(self.finding(
                Rule::Enumeration,
                Severity::Medium,
                &subject,
                o,
                pages_first,
                json!({
                    "pattern": "unfiltered_pages", "pages": pages, "window_minutes": 10, "threshold_calls": n,
                }),
            ));
        }
        // Volume far above the consumer's own baseline (the baseline is only read for a busy hour).
        if o.data_ok() && rows >= s.volume_min_rows && !self.is_quiet(Rule::Volume, &subject, o.at, Severity::Critical)
        {
            if let Some(base) = self.baseline(store, grant, o.at).await? {
                let factor = self.settings.volume_factor;
                let ratio = rows as f64 / base.max(1.0);
                if ratio > factor {
                    let severity = if ratio > 5.0 * factor { Severity::Critical } else { Severity::High };
                    out.push(self.finding(
                        Rule::Volume,
                        severity,
                        &subject,
                        o,
                        first,
                        json!({
                            "rows": rows, "calls": calls, "baseline_rows_per_hour": (base * 10.0).round() / 10.0,
                            "baseline_days": self.settings.baseline_days, "ratio": (ratio * 10.0).round() / 10.0,
                            "factor": factor, "threshold_rows": self.settings.volume_min_rows,
                        }),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The consumer's average rows per active hour over the baseline days before the last hour;
    /// `None` with fewer than [`MIN_BASELINE_HOURS`] active hours.
    async fn baseline(&mut self, store: &DynStore, grant: i64, at: i64) -> Result<Option<f64>> {
        // The hour being judged (and the one before, which the sliding hour may reach into) is
        // not its own baseline.
        let end = (at / HOUR) * HOUR - HOUR;
        if let Some(b) = self.baselines.get(&(grant, end)) {
            return Ok(*b);
        }
        let from = end - self.settings.baseline_days * 24 * HOUR;
        let hours = store.data_volume_by_hour(&format!("grant:{grant}"), from, end).await?;
        let b = (hours.len() >= MIN_BASELINE_HOURS)
            .then(|| hours.iter().map(|h| h.rows).sum::<i64>() as f64 / hours.len() as f64);
        self.baselines.insert((grant, end), b);
        Ok(b)
    }

    fn refusal(&mut self, o: &Observed, out: &mut Vec<Finding>) {
        let subject = match (o.user, o.client.as_deref()) {
            (Some(u), _) => format!("user:{u}"),
            (None, Some(c)) => format!("address:{}", network_of(c).unwrap_or_else(|| c.to_owned())),
            (None, None) => return,
        };
        let w = self.denials.entry(subject.clone()).or_insert_with(|| Window::new(5 * MINUTE));
        w.push(Hit { at: o.at, seq: o.seq, ..Hit::default() });
        let (n, first) = (w.len(), w.first().map_or((o.seq, o.at), |h| (h.seq, h.at)));
        if n >= self.settings.denial_burst {
            let severity = if n >= 5 * self.settings.denial_burst { Severity::High } else { Severity::Medium };
            let f = self.finding(
                Rule::Denials,
                severity,
                &subject,
                o,
                first,
                json!({
                    "refusals": n, "window_minutes": 5, "threshold": self.settings.denial_burst,
                    "last_action": o.action, "last_code": o.code,
                }),
            );
            out.push(f);
        }
    }

    fn revoked_use(&mut self, o: &Observed, out: &mut Vec<Finding>) {
        let subject = match (o.code.as_deref(), o.grant, o.credential) {
            (Some("grant_revoked" | "grant_suspended"), Some(g), _) => format!("grant:{g}"),
            (_, _, Some(c)) => format!("credential:{c}"),
            _ => return,
        };
        let f = self.finding(
            Rule::AfterRevocation,
            Severity::High,
            &subject,
            o,
            (o.seq, o.at),
            json!({
                "code": o.code, "action": o.action,
            }),
        );
        out.push(f);
    }

    async fn credential_use(&mut self, store: &DynStore, o: &Observed, out: &mut Vec<Finding>) -> Result<()> {
        let (Some(cred), Some(client)) = (o.credential, o.client.as_deref()) else { return Ok(()) };
        let Some(net) = network_of(client) else { return Ok(()) };
        let nets = match self.networks.entry(cred) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let known = store.known_networks(cred).await?;
                e.insert(known.into_iter().map(|k| (k.network, k.calls)).collect())
            }
        };
        let known_calls: i64 = nets.values().sum();
        let known_count = nets.len();
        let is_new = !nets.contains_key(&net);
        *nets.entry(net.clone()).or_insert(0) += 1;
        let t = self.touches.entry((cred, net.clone())).or_insert((0, o.at));
        t.0 += 1;
        t.1 = t.1.max(o.at);
        if is_new && known_count > 0 && known_calls >= self.settings.address_min_calls {
            let subject = format!("credential:{cred}");
            let mut f = self.finding(
                Rule::NewAddress,
                Severity::Medium,
                &subject,
                o,
                (o.seq, o.at),
                json!({
                    "network": net, "known_networks": known_count, "known_calls": known_calls,
                    "threshold_calls": self.settings.address_min_calls,
                }),
            );
            f.dedup_key = format!("new_address:{subject}:{net}");
            f.address = Some(net);
            out.push(f);
        }
        Ok(())
    }

    fn finding(
        &self,
        rule: Rule,
        severity: Severity,
        subject: &str,
        o: &Observed,
        (first_seq, first_at): (i64, i64),
        facts: serde_json::Value,
    ) -> Finding {
        Finding {
            rule,
            severity,
            subject: subject.to_owned(),
            dedup_key: format!("{}:{subject}:{}", rule.as_str(), o.seq),
            org: o.org,
            user: o.user,
            credential: o.credential,
            grant: o.grant,
            address: o.client.as_deref().map(|c| network_of(c).unwrap_or_else(|| c.to_owned())),
            facts,
            first_seq,
            last_seq: o.seq,
            window_from: first_at,
            window_to: o.at,
        }
    }
}
