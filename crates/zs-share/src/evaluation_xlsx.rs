//! The sharing evaluation as an Excel workbook: 排名 (one row per department with its figures)
//! and 拒绝明细 (refusals with their reasons, where the reader may see them).

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zs_types::{Error, Result};

use crate::evaluation::EvaluationReport;

/// A rate as a percentage with one decimal, or empty.
fn pct(v: Option<f64>) -> Option<f64> {
    v.map(|r| (r * 1000.0).round() / 10.0)
}

impl EvaluationReport {
    /// The workbook's bytes.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        let xl = |e: XlsxError| {
            tracing::error!(error = %e, "writing the sharing evaluation workbook");
            Error::internal("the evaluation workbook could not be written")
        };
        let bold = Format::new().set_bold();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.set_name("排名").map_err(xl)?;
        s.write_string_with_format(
            0,
            0,
            format!("共享评估 · {}（{} 至 {}，截至 {}）", self.month, self.from, self.to, self.as_of),
            &bold,
        )
        .map_err(xl)?;
        let head = [
            "排名",
            "部门",
            "得分",
            "收到申请",
            "按期答复",
            "逾期答复",
            "逾期未答复",
            "待答复",
            "按期答复率(%)",
            "答复时长中位数(小时)",
            "答复时长中位数(工作日)",
            "授权",
            "拒绝",
            "接口调用(提供)",
            "调用成功",
            "平台故障",
            "成功率(%)",
            "可用率(%)",
            "提供数据量(条)",
            "收到需求",
            "按期答复需求",
            "需求按期答复率(%)",
            "提交申请",
            "获得授权",
            "接口调用(使用)",
            "使用成功率(%)",
            "获取数据量(条)",
            "提出需求",
            "需求已答复",
        ];
        for (c, h) in head.iter().enumerate() {
            s.write_string_with_format(1, c as u16, *h, &bold).map_err(xl)?;
        }
        for (i, d) in self.departments.iter().enumerate() {
            let r = 2 + i as u32;
            let (p, k) = (&d.provider, &d.consumer);
            if let Some(rank) = d.rank {
                s.write_number(r, 0, f64::from(rank)).map_err(xl)?;
            }
            s.write_string(r, 1, &d.name).map_err(xl)?;
            let cells: [Option<f64>; 27] = [
                d.score,
                Some(p.applications_received as f64),
                Some(p.answered_in_time as f64),
                Some(p.answered_late as f64),
                Some(p.overdue_unanswered as f64),
                Some(p.pending as f64),
                pct(p.in_time_rate),
                p.median_response_hours,
                p.median_response_working_days,
                Some(p.granted as f64),
                Some(p.refused as f64),
                Some(p.calls as f64),
                Some(p.calls_succeeded as f64),
                Some(p.server_errors as f64),
                pct(p.success_rate),
                pct(p.availability),
                Some(p.rows as f64),
                Some(p.demands_received as f64),
                Some(p.demands_answered_in_time as f64),
                pct(p.demand_in_time_rate),
                Some(k.applications_filed as f64),
                Some(k.granted as f64),
                Some(k.calls as f64),
                pct(k.success_rate),
                Some(k.rows as f64),
                Some(k.demands_posted as f64),
                Some(k.demands_answered as f64),
            ];
            for (j, v) in cells.iter().enumerate() {
                if let Some(v) = v {
                    s.write_number(r, 2 + j as u16, *v).map_err(xl)?;
                }
            }
        }
        s.set_column_width(1, 28).map_err(xl)?;

        let d = book.add_worksheet();
        d.set_name("拒绝明细").map_err(xl)?;
        for (c, h) in ["提供部门", "申请编号", "信息资源代码", "申请部门", "拒绝理由"].iter().enumerate()
        {
            d.write_string_with_format(0, c as u16, *h, &bold).map_err(xl)?;
        }
        let mut r = 1u32;
        for dep in &self.departments {
            for f in &dep.provider.refusals {
                d.write_string(r, 0, &dep.name).map_err(xl)?;
                d.write_number(r, 1, f.application_id as f64).map_err(xl)?;
                d.write_string(r, 2, &f.code).map_err(xl)?;
                d.write_string(r, 3, &f.consumer).map_err(xl)?;
                d.write_string(r, 4, &f.reason).map_err(xl)?;
                r += 1;
            }
        }
        d.set_column_width(0, 28).map_err(xl)?;
        d.set_column_width(4, 60).map_err(xl)?;
        book.save_to_buffer().map_err(xl)
    }
}
