//! The aggregation report (归集通报): for one month, how far the published catalogue is backed by
//! data, per department and per district (area), with the timeliness of each entry's last
//! hand-in against its update cycle, rejected-row rates and the mix of channels; and the same as
//! an Excel workbook (sheets 汇总 / 部门 / 区县 / 明细).
//!
//! Months are calendar months of Beijing time (UTC+8).

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use zs_catalog::{Entry, EntryStatus, UpdateCycle};
use zs_identity::policy::{Authorized, ReportAggregation};
use zs_meta::resources::{HandIn, HandInTotals};
use zs_types::{Error, Result};

use crate::service::IngestService;

const DAY_MS: i64 = 86_400_000;

/// Whether an entry's data is as fresh as its update cycle asks, at the report's reference time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// The latest committed hand-in is within the cycle's allowance (irregular entries with any data).
    OnTime,
    /// Data was handed in once, but longer ago than the cycle allows.
    Late,
    /// No committed hand-in up to the reference time.
    Never,
}

impl Timeliness {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::Never => "never",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::OnTime => "按时",
            Self::Late => "逾期",
            Self::Never => "未归集",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::OnTime => "On time",
            Self::Late => "Late",
            Self::Never => "Never",
        }
    }
}

/// How old the latest committed hand-in may be for an entry of this update cycle to count as on
/// time: real time and daily 1 day, weekly 7 days, monthly 31 days, quarterly 92 days, yearly 366
/// days; irregular entries are never late (`None`).
pub fn cycle_allowance_ms(cycle: UpdateCycle) -> Option<i64> {
    Some(match cycle {
        UpdateCycle::Realtime | UpdateCycle::Daily => DAY_MS,
        UpdateCycle::Weekly => 7 * DAY_MS,
        UpdateCycle::Monthly => 31 * DAY_MS,
        UpdateCycle::Quarterly => 92 * DAY_MS,
        UpdateCycle::Yearly => 366 * DAY_MS,
        UpdateCycle::Irregular => return None,
    })
}

/// The timeliness of an entry whose latest committed hand-in (up to `as_of`) finished at `last`.
pub fn timeliness(cycle: UpdateCycle, last: Option<i64>, as_of: i64) -> Timeliness {
    match (last, cycle_allowance_ms(cycle)) {
        (None, _) => Timeliness::Never,
        (Some(_), None) => Timeliness::OnTime,
        (Some(t), Some(allow)) if as_of.saturating_sub(t) <= allow => Timeliness::OnTime,
        (Some(_), Some(_)) => Timeliness::Late,
    }
}

/// Chinese name of a hand-in channel.
pub fn channel_label_zh(channel: &str) -> &str {
    match channel {
        "upload" => "文件上传",
        "cli" => "命令行",
        "push" => "接口推送",
        "pull.database" => "数据库抽取",
        "pull.http" => "接口抽取",
        "materialise" => "加工生成",
        "seed" => "演示数据",
        other => other,
    }
}

/// English name of a hand-in channel.
pub fn channel_label_en(channel: &str) -> &str {
    match channel {
        "upload" => "File upload",
        "cli" => "Command line",
        "push" => "Push API",
        "pull.database" => "Database pull",
        "pull.http" => "HTTP pull",
        "materialise" => "Materialised",
        "seed" => "Demo data",
        other => other,
    }
}

/// Hand-ins of one channel in the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelMix {
    /// upload | cli | push | pull.database | pull.http | materialise | seed.
    pub channel: String,
    /// Attempts that finished in the month.
    pub hand_ins: i64,
    /// Of which committed.
    pub committed: i64,
    /// Rows read by them.
    pub rows_read: i64,
}

/// The figures of a group of entries (the city, a department or a district).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Figures {
    /// Published entries (已发布目录), published by the end of the month.
    pub published: i64,
    /// Of which with data: at least one committed hand-in up to the reference time.
    pub with_data: i64,
    /// `with_data / published` (0 when nothing is published): the 应归尽归 rate of the group.
    pub rate: f64,
    /// Entries whose last hand-in is within their update cycle.
    pub on_time: i64,
    /// Entries handed in once but longer ago than their cycle allows.
    pub late: i64,
    /// Entries never handed in.
    pub never: i64,
    /// Rows in the latest committed version of every entry (up to the reference time).
    pub rows: i64,
    /// Hand-in attempts that finished in the month.
    pub hand_ins: i64,
    /// Of which committed.
    pub committed: i64,
    /// Rows read by the month's hand-ins.
    pub rows_read: i64,
    /// Rows rejected by the month's hand-ins.
    pub rows_rejected: i64,
    /// `rows_rejected / rows_read` over the month (0 when nothing was read).
    pub reject_rate: f64,
    /// The month's hand-ins by channel, most used first.
    pub channels: Vec<ChannelMix>,
}

impl Figures {
    fn add(&mut self, e: &EntryFigures) {
        self.published += 1;
        if e.timeliness != Timeliness::Never {
            self.with_data += 1;
        }
        match e.timeliness {
            Timeliness::OnTime => self.on_time += 1,
            Timeliness::Late => self.late += 1,
            Timeliness::Never => self.never += 1,
        }
        self.rows += e.rows.unwrap_or(0);
        self.hand_ins += e.hand_ins;
        self.committed += e.committed;
        self.rows_read += e.rows_read;
        self.rows_rejected += e.rows_rejected;
        for c in &e.channels {
            match self.channels.iter_mut().find(|x| x.channel == c.channel) {
                Some(x) => {
                    x.hand_ins += c.hand_ins;
                    x.committed += c.committed;
                    x.rows_read += c.rows_read;
                }
                None => self.channels.push(c.clone()),
            }
        }
    }

    fn finish(&mut self) {
        self.rate = share(self.with_data, self.published);
        self.reject_rate = share(self.rows_rejected, self.rows_read);
        self.channels.sort_by(|a, b| b.hand_ins.cmp(&a.hand_ins).then_with(|| a.channel.cmp(&b.channel)));
    }
}

fn share(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

/// The figures of one department or district.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupFigures {
    /// Department name, or the district (area) name.
    pub name: String,
    /// The department's organisation id (none for districts).
    pub org_id: Option<i64>,
    /// The area the department belongs to (the district itself for districts).
    pub area: String,
    /// The figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One published entry in the report (明细).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryFigures {
    /// 信息资源代码.
    pub code: String,
    /// 信息资源名称.
    pub name: String,
    /// Providing department.
    pub provider: String,
    /// The department's organisation id.
    pub org_id: i64,
    /// The department's area (city or district).
    pub area: String,
    /// 更新周期 (stable name).
    pub update_cycle: UpdateCycle,
    /// The latest committed hand-in up to the reference time (Unix ms).
    pub last_committed_at: Option<i64>,
    /// That hand-in against the update cycle.
    pub timeliness: Timeliness,
    /// Rows of the latest committed version up to the reference time.
    pub rows: Option<i64>,
    /// Hand-in attempts that finished in the month.
    pub hand_ins: i64,
    /// Of which committed.
    pub committed: i64,
    /// Rows read in the month.
    pub rows_read: i64,
    /// Rows rejected in the month.
    pub rows_rejected: i64,
    /// The month's hand-ins by channel.
    pub channels: Vec<ChannelMix>,
}

/// The aggregation report (归集通报) of one month.
///
/// **应归尽归 rate** (`city.rate`): the number of published catalogue entries that have data,
/// divided by the number of published entries, where
/// * *published entries* are the catalogue entries whose status is published and whose first
///   publication date (发布日期) is on or before the last day of the month;
/// * an entry *has data* when at least one hand-in to it was committed (`outcome = committed`)
///   before the reference time `as_of` (the end of the month, or now for the current month);
/// * with no published entry the rate is 0.
///
/// Department and district rates are the same quotient over their own entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregationReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Start of the month (Unix ms, Beijing midnight of the 1st).
    pub from: i64,
    /// End of the month, exclusive (Unix ms).
    pub to: i64,
    /// Reference time for "has data", timeliness and rows: the end of the month, or now while
    /// the month runs.
    pub as_of: i64,
    /// When the report was computed (Unix ms).
    pub generated_at: i64,
    /// City-wide figures, with the 应归尽归 rate.
    pub city: Figures,
    /// Per department, by rate (highest first), then name.
    pub departments: Vec<GroupFigures>,
    /// Per district (area), by rate (highest first), then name.
    pub districts: Vec<GroupFigures>,
    /// Every published entry, by code.
    pub entries: Vec<EntryFigures>,
}

fn beijing() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Parse `YYYY-MM` (years 2000–2999).
pub fn parse_month(s: &str) -> Result<(i32, u8)> {
    let bad = || Error::invalid("month", format!("'{s}' is not a month: write it as YYYY-MM, e.g. 2026-11"));
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    if !(2000..=2999).contains(&y) || !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok((y, m))
}

/// `[start, end)` of a month of Beijing time, in Unix ms.
pub fn month_bounds((year, month): (i32, u8)) -> Result<(i64, i64)> {
    let bad = || Error::invalid("month", format!("{year}-{month:02} is not a month"));
    let m = Month::try_from(month).map_err(|_| bad())?;
    let start = Date::from_calendar_date(year, m, 1).map_err(|_| bad())?;
    let (ny, nm) = if month == 12 { (year + 1, Month::January) } else { (year, m.next()) };
    let end = Date::from_calendar_date(ny, nm, 1).map_err(|_| bad())?;
    let ms = |d: Date| zs_types::clock::to_ms(PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(beijing()));
    Ok((ms(start), ms(end)))
}

/// The Beijing month of a time.
pub fn month_of(t: OffsetDateTime) -> (i32, u8) {
    let b = t.to_offset(beijing());
    (b.year(), u8::from(b.month()))
}

/// A Unix-ms time as Beijing `YYYY-MM-DD HH:MM`.
pub fn fmt_beijing_ms(ms: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.to_offset(beijing()).format(&fmt).ok())
        .unwrap_or_default()
}

/// The last day of the month as `YYYY-MM-DD` (compared with 发布日期).
fn last_day(to_ms: i64) -> String {
    fmt_beijing_ms(to_ms - 1).chars().take(10).collect()
}

impl IngestService {
    /// The current month of Beijing time, by the service's clock.
    pub fn current_month(&self) -> (i32, u8) {
        month_of(self.clock.now())
    }

    /// The aggregation report of `month` (see [`AggregationReport`] for how the rate is computed).
    /// The report is city-wide: published entries are visible to every role it is granted to.
    /// Months after the current one are refused.
    pub async fn aggregation_report(
        &self,
        _pass: &Authorized<ReportAggregation>,
        month: (i32, u8),
    ) -> Result<AggregationReport> {
        let (from, to) = month_bounds(month)?;
        let now = self.now_ms();
        if from > now {
            return Err(Error::invalid("month", format!("{}-{:02} has not begun", month.0, month.1)));
        }
        let as_of = to.min(now.saturating_add(1));
        let last = last_day(to);
        let entries: Vec<Entry> = self
            .catalog
            .all_entries()
            .await?
            .into_iter()
            .filter(|e| e.status == EntryStatus::Published && e.published_version.is_some())
            .filter(|e| e.publish_date.as_deref().is_none_or(|d| d <= last.as_str()))
            .collect();
        let in_month = self.store.hand_in_totals(from, to).await?;
        let up_to = self.store.hand_in_totals(0, as_of).await?;
        let mut last_committed: BTreeMap<&str, i64> = BTreeMap::new();
        for t in &up_to {
            if let Some(at) = t.last_committed_at {
                let v = last_committed.entry(t.code.as_str()).or_insert(at);
                *v = (*v).max(at);
            }
        }
        let mut month_of_code: BTreeMap<&str, Vec<&HandInTotals>> = BTreeMap::new();
        for t in &in_month {
            month_of_code.entry(t.code.as_str()).or_default().push(t);
        }
        let latest: BTreeMap<String, HandIn> =
            self.store.latest_versions().await?.into_iter().map(|h| (h.code.clone(), h)).collect();
        let mut rows_of = BTreeMap::new();
        for e in &entries {
            if !last_committed.contains_key(e.code.as_str()) {
                continue;
            }
            let rows = match latest.get(&e.code) {
                Some(h) if h.finished_at < as_of => h.total_rows,
                // A later version exists: find the one current at the reference time.
                _ => self
                    .store
                    .list_hand_ins(Some(&e.code), None, 10_000)
                    .await?
                    .into_iter()
                    .find(|h| h.outcome == "committed" && h.finished_at < as_of)
                    .and_then(|h| h.total_rows),
            };
            rows_of.insert(e.code.clone(), rows);
        }
        let mut figures: Vec<EntryFigures> = entries
            .iter()
            .map(|e| {
                let last = last_committed.get(e.code.as_str()).copied();
                let totals = month_of_code.get(e.code.as_str()).map(Vec::as_slice).unwrap_or_default();
                let sum = |f: fn(&HandInTotals) -> i64| totals.iter().map(|t| f(t)).sum::<i64>();
                EntryFigures {
                    code: e.code.clone(),
                    name: e.body.name.clone(),
                    provider: e.provider.clone(),
                    org_id: e.org_id,
                    area: e.area.clone(),
                    update_cycle: e.body.update_cycle,
                    last_committed_at: last,
                    timeliness: timeliness(e.body.update_cycle, last, as_of),
                    rows: rows_of.get(&e.code).copied().flatten(),
                    hand_ins: sum(|t| t.hand_ins),
                    committed: sum(|t| t.committed),
                    rows_read: sum(|t| t.rows_read),
                    rows_rejected: sum(|t| t.rows_rejected),
                    channels: totals
                        .iter()
                        .map(|t| ChannelMix {
                            channel: t.channel.clone(),
                            hand_ins: t.hand_ins,
                            committed: t.committed,
                            rows_read: t.rows_read,
                        })
                        .collect(),
                }
            })
            .collect();
        figures.sort_by(|a, b| a.code.cmp(&b.code));
        let mut city = Figures::default();
        let mut departments: BTreeMap<i64, GroupFigures> = BTreeMap::new();
        let mut districts: BTreeMap<String, GroupFigures> = BTreeMap::new();
        for e in &figures {
            city.add(e);
            departments
                .entry(e.org_id)
                .or_insert_with(|| GroupFigures {
                    name: e.provider.clone(),
                    org_id: Some(e.org_id),
                    area: e.area.clone(),
                    figures: Figures::default(),
                })
                .figures
                .add(e);
            districts
                .entry(e.area.clone())
                .or_insert_with(|| GroupFigures {
                    name: e.area.clone(),
                    org_id: None,
                    area: e.area.clone(),
                    figures: Figures::default(),
                })
                .figures
                .add(e);
        }
        city.finish();
        let ranked = |groups: Vec<GroupFigures>| {
            let mut v: Vec<GroupFigures> = groups
                .into_iter()
                .map(|mut g| {
                    g.figures.finish();
                    g
                })
                .collect();
            v.sort_by(|a, b| b.figures.rate.total_cmp(&a.figures.rate).then_with(|| a.name.cmp(&b.name)));
            v
        };
        Ok(AggregationReport {
            month: format!("{}-{:02}", month.0, month.1),
            from,
            to,
            as_of,
            generated_at: now,
            city,
            departments: ranked(departments.into_values().collect()),
            districts: ranked(districts.into_values().collect()),
            entries: figures,
        })
    }
}

impl AggregationReport {
    /// The report as an Excel workbook: 汇总 (city figures and channel mix), 部门, 区县, 明细.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
        let xl = |e: XlsxError| {
            tracing::error!(error = %e, "writing the aggregation report workbook");
            Error::internal("the report workbook could not be written")
        };
        let bold = Format::new().set_bold();
        let pct = Format::new().set_num_format("0.0%");
        let mut book = Workbook::new();

        let summary = book.add_worksheet();
        summary.set_name("汇总").map_err(xl)?;
        let c = &self.city;
        let s = summary;
        s.write_string_with_format(0, 0, format!("归集通报 {}", self.month), &bold).map_err(xl)?;
        let facts: [(&str, Option<i64>, Option<f64>); 12] = [
            ("已发布目录数", Some(c.published), None),
            ("有数据目录数", Some(c.with_data), None),
            ("应归尽归率", None, Some(c.rate)),
            ("按时归集", Some(c.on_time), None),
            ("逾期", Some(c.late), None),
            ("未归集", Some(c.never), None),
            ("数据总行数", Some(c.rows), None),
            ("本月归集次数", Some(c.hand_ins), None),
            ("本月成功次数", Some(c.committed), None),
            ("本月读取行数", Some(c.rows_read), None),
            ("本月不合格行数", Some(c.rows_rejected), None),
            ("本月不合格率", None, Some(c.reject_rate)),
        ];
        s.write_string(1, 0, "统计截至").map_err(xl)?;
        s.write_string(1, 1, fmt_beijing_ms(self.as_of - 1)).map_err(xl)?;
        for (i, (label, n, r)) in facts.iter().enumerate() {
            let row = 2 + i as u32;
            s.write_string(row, 0, *label).map_err(xl)?;
            if let Some(n) = n {
                s.write_number(row, 1, *n as f64).map_err(xl)?;
            }
            if let Some(r) = r {
                s.write_number_with_format(row, 1, *r, &pct).map_err(xl)?;
            }
        }
        let mut row = 3 + facts.len() as u32;
        s.write_string(row, 0, "口径").map_err(xl)?;
        s.write_string(
            row,
            1,
            "应归尽归率 = 有数据目录数 ÷ 已发布目录数；有数据：统计截至时点前至少有一次成功归集；已发布：月末前已发布的目录",
        )
        .map_err(xl)?;
        row += 2;
        for (col, h) in ["归集渠道", "归集次数", "成功次数", "读取行数"].iter().enumerate() {
            s.write_string_with_format(row, col as u16, *h, &bold).map_err(xl)?;
        }
        for ch in &c.channels {
            row += 1;
            s.write_string(row, 0, channel_label_zh(&ch.channel)).map_err(xl)?;
            s.write_number(row, 1, ch.hand_ins as f64).map_err(xl)?;
            s.write_number(row, 2, ch.committed as f64).map_err(xl)?;
            s.write_number(row, 3, ch.rows_read as f64).map_err(xl)?;
        }
        s.set_column_width(0, 18).map_err(xl)?;
        s.set_column_width(1, 20).map_err(xl)?;

        let channels: Vec<String> = c.channels.iter().map(|x| x.channel.clone()).collect();
        let group_sheet = |sheet: &mut Worksheet, first: &str, groups: &[GroupFigures]| -> Result<()> {
            let mut head: Vec<String> = vec![first.into(), "所属区域".into()];
            head.extend(
                [
                    "已发布目录",
                    "有数据目录",
                    "应归尽归率",
                    "按时",
                    "逾期",
                    "未归集",
                    "数据行数",
                    "本月归集次数",
                    "本月不合格行数",
                    "本月不合格率",
                ]
                .map(String::from),
            );
            head.extend(channels.iter().map(|ch| format!("{}次数", channel_label_zh(ch))));
            for (col, h) in head.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, h, &bold).map_err(xl)?;
            }
            for (i, g) in groups.iter().enumerate() {
                let r = 1 + i as u32;
                let f = &g.figures;
                sheet.write_string(r, 0, &g.name).map_err(xl)?;
                sheet.write_string(r, 1, &g.area).map_err(xl)?;
                let nums = [f.published, f.with_data];
                for (k, n) in nums.iter().enumerate() {
                    sheet.write_number(r, 2 + k as u16, *n as f64).map_err(xl)?;
                }
                sheet.write_number_with_format(r, 4, f.rate, &pct).map_err(xl)?;
                for (k, n) in [f.on_time, f.late, f.never, f.rows, f.hand_ins, f.rows_rejected].iter().enumerate() {
                    sheet.write_number(r, 5 + k as u16, *n as f64).map_err(xl)?;
                }
                sheet.write_number_with_format(r, 11, f.reject_rate, &pct).map_err(xl)?;
                for (k, ch) in channels.iter().enumerate() {
                    let n = f.channels.iter().find(|x| &x.channel == ch).map_or(0, |x| x.hand_ins);
                    sheet.write_number(r, 12 + k as u16, n as f64).map_err(xl)?;
                }
            }
            sheet.set_column_width(0, 28).map_err(xl)?;
            Ok(())
        };
        let dept = book.add_worksheet();
        dept.set_name("部门").map_err(xl)?;
        group_sheet(dept, "部门", &self.departments)?;
        let dist = book.add_worksheet();
        dist.set_name("区县").map_err(xl)?;
        group_sheet(dist, "区县", &self.districts)?;

        let detail = book.add_worksheet();
        detail.set_name("明细").map_err(xl)?;
        let head = [
            "信息资源代码",
            "信息资源名称",
            "提供部门",
            "所属区域",
            "更新周期",
            "最近成功归集",
            "及时性",
            "数据行数",
            "本月归集次数",
            "本月读取行数",
            "本月不合格行数",
            "本月归集渠道",
        ];
        for (col, h) in head.iter().enumerate() {
            detail.write_string_with_format(0, col as u16, *h, &bold).map_err(xl)?;
        }
        for (i, e) in self.entries.iter().enumerate() {
            let r = 1 + i as u32;
            detail.write_string(r, 0, &e.code).map_err(xl)?;
            detail.write_string(r, 1, &e.name).map_err(xl)?;
            detail.write_string(r, 2, &e.provider).map_err(xl)?;
            detail.write_string(r, 3, &e.area).map_err(xl)?;
            detail.write_string(r, 4, e.update_cycle.label_zh()).map_err(xl)?;
            detail.write_string(r, 5, e.last_committed_at.map(fmt_beijing_ms).unwrap_or_default()).map_err(xl)?;
            detail.write_string(r, 6, e.timeliness.label_zh()).map_err(xl)?;
            if let Some(n) = e.rows {
                detail.write_number(r, 7, n as f64).map_err(xl)?;
            }
            for (k, n) in [e.hand_ins, e.rows_read, e.rows_rejected].iter().enumerate() {
                detail.write_number(r, 8 + k as u16, *n as f64).map_err(xl)?;
            }
            let mix: Vec<String> =
                e.channels.iter().map(|c| format!("{} {}", channel_label_zh(&c.channel), c.hand_ins)).collect();
            detail.write_string(r, 11, mix.join("；")).map_err(xl)?;
        }
        detail.set_column_width(0, 22).map_err(xl)?;
        detail.set_column_width(1, 30).map_err(xl)?;
        detail.set_column_width(2, 24).map_err(xl)?;
        book.save_to_buffer().map_err(xl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_bound_in_beijing_time() {
        assert_eq!(parse_month("2026-11").unwrap(), (2026, 11));
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "abcd-ef"] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
        let (from, to) = month_bounds((2026, 12)).unwrap();
        assert_eq!(fmt_beijing_ms(from), "2026-12-01 00:00");
        assert_eq!(fmt_beijing_ms(to), "2027-01-01 00:00");
        assert_eq!(last_day(to), "2026-12-31");
        assert_eq!(month_of(time::macros::datetime!(2026-01-31 20:00 UTC)), (2026, 2));
    }

    #[test]
    fn timeliness_follows_the_cycle() {
        let now = 100 * DAY_MS;
        assert_eq!(timeliness(UpdateCycle::Daily, None, now), Timeliness::Never);
        assert_eq!(timeliness(UpdateCycle::Daily, Some(now - DAY_MS / 2), now), Timeliness::OnTime);
        assert_eq!(timeliness(UpdateCycle::Daily, Some(now - 2 * DAY_MS), now), Timeliness::Late);
        assert_eq!(timeliness(UpdateCycle::Monthly, Some(now - 20 * DAY_MS), now), Timeliness::OnTime);
        assert_eq!(timeliness(UpdateCycle::Weekly, Some(now - 8 * DAY_MS), now), Timeliness::Late);
        assert_eq!(timeliness(UpdateCycle::Irregular, Some(0), now), Timeliness::OnTime);
        assert_eq!(timeliness(UpdateCycle::Irregular, None, now), Timeliness::Never);
    }
}
