//! The Excel quality report of one department (数据质量报告): its resources' scores, the
//! results of every rule of their latest checks, and its tickets.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zs_identity::policy::{Authorized, GovernRead};
use zs_meta::govern::TicketQuery;
use zs_types::{Error, OrgId, Outcome, Result, Role};

use super::check::results_of;
use super::tickets::Names;
use super::views::scores_of;
use super::GovernService;
use crate::rules::Dimension;

fn xlsx(e: XlsxError) -> Error {
    tracing::error!(error = %e, "writing the quality report");
    Error::internal("the quality report could not be written")
}

impl GovernService {
    /// The report of department `org` as an xlsx workbook: stewards get their own department's,
    /// operators any in their area. Audited as `report.quality`.
    pub async fn department_report(&self, pass: &Authorized<GovernRead>, org: i64) -> Result<(String, Vec<u8>)> {
        let p = pass.principal();
        let o = self.store.get_org(OrgId(org)).await?.ok_or_else(|| Error::not_found("department"))?;
        let allowed = match p.user.role {
            Role::Steward => p.org.id.0 == org,
            Role::PlatformOperator | Role::AuditAdmin => p.can_see(&o),
            _ => false,
        };
        if !allowed {
            return Err(Error::not_found("department"));
        }
        let names = Names::load(self).await?;
        let runs: Vec<_> = self.store.latest_runs().await?.into_iter().filter(|r| r.org_id == org).collect();
        let tickets = self
            .store
            .list_tickets(&TicketQuery { org_ids: Some(vec![org]), limit: 1000, ..Default::default() })
            .await?;
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let pct = Format::new().set_num_format("0.0");
        {
            let ws = wb.add_worksheet().set_name("质量概况").map_err(xlsx)?;
            let head = [
                "信息资源代码",
                "信息资源名称",
                "版本",
                "记录数",
                "阻断记录数",
                "完整性",
                "有效性",
                "唯一性",
                "一致性",
                "及时性",
                "综合得分",
            ];
            for (c, h) in head.iter().enumerate() {
                ws.write_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
            }
            for (i, r) in runs.iter().enumerate() {
                let row = i as u32 + 1;
                ws.write(row, 0, &r.code).map_err(xlsx)?;
                ws.write(row, 1, names.resource(&r.code)).map_err(xlsx)?;
                ws.write(row, 2, r.version as f64).map_err(xlsx)?;
                ws.write(row, 3, r.rows as f64).map_err(xlsx)?;
                ws.write(row, 4, r.blocked as f64).map_err(xlsx)?;
                let s = scores_of(r);
                let cells = Dimension::ALL.iter().map(|d| s.get(*d)).chain([s.overall]);
                for (k, v) in cells.enumerate() {
                    if let Some(v) = v {
                        ws.write_with_format(row, 5 + k as u16, v, &pct).map_err(xlsx)?;
                    }
                }
            }
            ws.set_column_width(1, 30).map_err(xlsx)?;
        }
        {
            let ws = wb.add_worksheet().set_name("规则结果").map_err(xlsx)?;
            let head = [
                "信息资源代码",
                "规则",
                "信息项",
                "检查类型",
                "维度",
                "级别",
                "检查数",
                "未通过数",
                "通过率",
                "示例（已脱敏）",
            ];
            for (c, h) in head.iter().enumerate() {
                ws.write_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
            }
            let mut row = 1u32;
            for r in &runs {
                for res in results_of(r).into_values() {
                    ws.write(row, 0, &r.code).map_err(xlsx)?;
                    ws.write(row, 1, &res.key).map_err(xlsx)?;
                    ws.write(row, 2, &res.field).map_err(xlsx)?;
                    ws.write(row, 3, &res.kind).map_err(xlsx)?;
                    ws.write(row, 4, res.dimension.label_zh()).map_err(xlsx)?;
                    ws.write(row, 5, res.severity.as_str()).map_err(xlsx)?;
                    ws.write(row, 6, res.checked as f64).map_err(xlsx)?;
                    ws.write(row, 7, res.failed as f64).map_err(xlsx)?;
                    ws.write_with_format(row, 8, res.score(), &pct).map_err(xlsx)?;
                    let sample: Vec<String> = res
                        .samples
                        .iter()
                        .map(|s| format!("第{}行 {} {}", s.row, s.value.clone().unwrap_or_default(), s.reason))
                        .collect();
                    ws.write(row, 9, sample.join("；")).map_err(xlsx)?;
                    row += 1;
                }
            }
        }
        {
            let ws = wb.add_worksheet().set_name("问题工单").map_err(xlsx)?;
            let head = ["编号", "信息资源代码", "类型", "状态", "级别", "标题", "未通过数", "期限", "是否逾期"];
            for (c, h) in head.iter().enumerate() {
                ws.write_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
            }
            let today = zs_catalog::calendar::beijing_date(self.clock.now()).to_string();
            for (i, t) in tickets.iter().enumerate() {
                let row = i as u32 + 1;
                ws.write(row, 0, t.id as f64).map_err(xlsx)?;
                ws.write(row, 1, &t.code).map_err(xlsx)?;
                ws.write(row, 2, if t.kind == "rule" { "规则检查" } else { "纠错" }).map_err(xlsx)?;
                ws.write(row, 3, &t.state).map_err(xlsx)?;
                ws.write(row, 4, &t.severity).map_err(xlsx)?;
                ws.write(row, 5, &t.title).map_err(xlsx)?;
                ws.write(row, 6, t.failed as f64).map_err(xlsx)?;
                ws.write(row, 7, &t.deadline).map_err(xlsx)?;
                ws.write(row, 8, if t.state != "closed" && t.deadline < today { "是" } else { "否" }).map_err(xlsx)?;
            }
        }
        let bytes = wb.save_to_buffer().map_err(xlsx)?;
        self.record(
            Some(p),
            pass.request_id(),
            "report.quality",
            format!("org:{org}"),
            Outcome::Succeeded,
            serde_json::json!({ "resources": runs.len(), "tickets": tickets.len() }),
        )
        .await?;
        Ok((format!("质量报告-{}.xlsx", o.name), bytes))
    }
}
