//! The demo catalogue: 300+ entries across the municipal and district departments, covering the
//! base libraries (人口, 法人, 电子证照, 空间地理, 信用), theme libraries and department data, in
//! every workflow state, with change obligations due and overdue. Idempotent: skipped when the
//! catalogue already holds entries.

use crate::deadlines::{ObligationReason, RaiseObligation};
use crate::model::*;
use crate::CatalogService;
use std::sync::Arc;
use zs_identity::policy::{CatalogEdit, CatalogObligation, CatalogReview, UserCreate};
use zs_identity::{CreateUser, IdentityService, Principal};
use zs_types::{Error, Result, Role};

/// An item template: (name, label, type, length, security level).
type ItemTpl = (&'static str, &'static str, DataType, Option<u32>, SecurityLevel);

const PERSON: &[ItemTpl] = &[
    ("id_number", "公民身份号码", DataType::String, Some(18), SecurityLevel::L3),
    ("name", "姓名", DataType::String, Some(50), SecurityLevel::L3),
    ("sex", "性别", DataType::String, Some(1), SecurityLevel::L2),
    ("birth_date", "出生日期", DataType::Date, None, SecurityLevel::L3),
    ("ethnicity", "民族", DataType::String, Some(20), SecurityLevel::L2),
    ("address", "住址", DataType::String, Some(200), SecurityLevel::L3),
    ("phone", "联系电话", DataType::String, Some(20), SecurityLevel::L3),
];
const COMPANY: &[ItemTpl] = &[
    ("credit_code", "统一社会信用代码", DataType::String, Some(18), SecurityLevel::L1),
    ("org_name", "单位名称", DataType::String, Some(200), SecurityLevel::L1),
    ("legal_rep", "法定代表人", DataType::String, Some(50), SecurityLevel::L2),
    ("reg_address", "注册地址", DataType::String, Some(200), SecurityLevel::L1),
    ("reg_capital", "注册资本", DataType::Decimal, Some(18), SecurityLevel::L1),
    ("established", "成立日期", DataType::Date, None, SecurityLevel::L1),
];
const LICENCE: &[ItemTpl] = &[
    ("licence_no", "证照编号", DataType::String, Some(50), SecurityLevel::L2),
    ("holder", "持证主体", DataType::String, Some(200), SecurityLevel::L2),
    ("holder_code", "持证主体代码", DataType::String, Some(18), SecurityLevel::L3),
    ("issued_on", "发证日期", DataType::Date, None, SecurityLevel::L1),
    ("valid_until", "有效期至", DataType::Date, None, SecurityLevel::L1),
    ("issuer", "发证机关", DataType::String, Some(100), SecurityLevel::L1),
];
const PLACE: &[ItemTpl] = &[
    ("feature_id", "要素编号", DataType::String, Some(32), SecurityLevel::L1),
    ("feature_name", "要素名称", DataType::String, Some(100), SecurityLevel::L1),
    ("division_code", "行政区划代码", DataType::String, Some(6), SecurityLevel::L1),
    ("geometry", "空间范围", DataType::Geometry, None, SecurityLevel::L2),
    ("area_m2", "面积（平方米）", DataType::Decimal, Some(18), SecurityLevel::L1),
];
const RECORD: &[ItemTpl] = &[
    ("record_id", "记录编号", DataType::String, Some(32), SecurityLevel::L1),
    ("subject_name", "对象名称", DataType::String, Some(200), SecurityLevel::L2),
    ("subject_code", "对象代码", DataType::String, Some(18), SecurityLevel::L2),
    ("occurred_on", "发生日期", DataType::Date, None, SecurityLevel::L1),
    ("amount", "金额（元）", DataType::Decimal, Some(18), SecurityLevel::L2),
    ("status", "办理状态", DataType::String, Some(20), SecurityLevel::L1),
    ("district", "所属区县", DataType::String, Some(6), SecurityLevel::L1),
];

/// 企业全景 (theme library): materialised from 法人, 电子证照 and 信用 (see `zs_query::themes`).
const ENTERPRISE_PANORAMA: &[ItemTpl] = &[
    ("credit_code", "统一社会信用代码", DataType::String, Some(18), SecurityLevel::L1),
    ("org_name", "单位名称", DataType::String, Some(200), SecurityLevel::L1),
    ("legal_rep", "法定代表人", DataType::String, Some(50), SecurityLevel::L2),
    ("reg_address", "注册地址", DataType::String, Some(200), SecurityLevel::L1),
    ("reg_capital", "注册资本", DataType::Decimal, Some(18), SecurityLevel::L1),
    ("established", "成立日期", DataType::Date, None, SecurityLevel::L1),
    ("registration_authority", "登记机关", DataType::String, Some(100), SecurityLevel::L1),
    ("licence_count", "电子证照数", DataType::Integer, None, SecurityLevel::L1),
    ("latest_licence_on", "最近发证日期", DataType::Date, None, SecurityLevel::L1),
    ("permit_count", "行政许可数", DataType::Integer, None, SecurityLevel::L1),
    ("penalty_count", "行政处罚数", DataType::Integer, None, SecurityLevel::L2),
    ("penalty_amount", "处罚金额（元）", DataType::Decimal, Some(18), SecurityLevel::L2),
    ("last_penalty_on", "最近处罚日期", DataType::Date, None, SecurityLevel::L2),
];
/// 一人一档 (topic library): materialised from 人口, 电子证照 and 信用.
const PERSON_PROFILE: &[ItemTpl] = &[
    ("id_number", "公民身份号码", DataType::String, Some(18), SecurityLevel::L3),
    ("name", "姓名", DataType::String, Some(50), SecurityLevel::L3),
    ("sex", "性别", DataType::String, Some(1), SecurityLevel::L2),
    ("birth_date", "出生日期", DataType::Date, None, SecurityLevel::L3),
    ("ethnicity", "民族", DataType::String, Some(20), SecurityLevel::L2),
    ("address", "住址", DataType::String, Some(200), SecurityLevel::L3),
    ("phone", "联系电话", DataType::String, Some(20), SecurityLevel::L3),
    ("registered_address", "户籍地址", DataType::String, Some(100), SecurityLevel::L3),
    ("household_no", "户号", DataType::String, Some(100), SecurityLevel::L3),
    ("licence_count", "电子证照数", DataType::Integer, None, SecurityLevel::L2),
    ("latest_licence_on", "最近发证日期", DataType::Date, None, SecurityLevel::L2),
    ("penalty_count", "行政处罚数", DataType::Integer, None, SecurityLevel::L3),
    ("penalty_amount", "处罚金额（元）", DataType::Decimal, Some(18), SecurityLevel::L3),
];

/// What a seeded entry looks like: department, name, class, 项, 目, template, extra item labels.
struct Spec {
    dept: String,
    name: &'static str,
    class: ResourceClass,
    item: u8,
    category: u16,
    template: &'static [ItemTpl],
    extra: &'static [&'static str],
    sharing: SharingKind,
    open: OpenKind,
    cycle: UpdateCycle,
}

use DataType as T;
use OpenKind as O;
use ResourceClass::{Basic, Department as Dept, Theme};
use SharingKind as S;
use UpdateCycle as U;

macro_rules! spec {
    ($dept:literal, $name:literal, $class:expr, $item:literal, $cat:literal, $tpl:expr, [$($x:literal),*], $s:expr, $o:expr, $c:expr) => {
        Spec { dept: $dept.to_owned(), name: $name, class: $class, item: $item, category: $cat, template: $tpl, extra: &[$($x),*], sharing: $s, open: $o, cycle: $c }
    };
}

/// Hand-written core entries (the base libraries and well-known resources).
fn core_specs() -> Vec<Spec> {
    vec![
        spec!(
            "西宁市公安局",
            "人口基础信息",
            Basic,
            1,
            1,
            PERSON,
            ["户籍地址", "户号"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市公安局",
            "户籍人口信息",
            Basic,
            1,
            2,
            PERSON,
            ["户主姓名", "与户主关系"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市公安局",
            "流动人口居住登记信息",
            Basic,
            1,
            3,
            PERSON,
            ["居住证编号", "登记日期"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市民政局",
            "婚姻登记信息",
            Basic,
            1,
            4,
            PERSON,
            ["配偶姓名", "登记日期"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市卫生健康委员会",
            "出生医学证明信息",
            Basic,
            1,
            5,
            PERSON,
            ["新生儿姓名", "出生医院"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市民政局",
            "死亡登记信息",
            Basic,
            1,
            6,
            PERSON,
            ["死亡日期", "死亡原因类别"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市市场监督管理局",
            "法人单位基础信息",
            Basic,
            2,
            1,
            COMPANY,
            ["登记机关", "经营范围"],
            S::Unconditional,
            O::Unconditional,
            U::Daily
        ),
        spec!(
            "西宁市市场监督管理局",
            "企业登记注册信息",
            Basic,
            2,
            2,
            COMPANY,
            ["企业类型", "营业期限"],
            S::Unconditional,
            O::Unconditional,
            U::Daily
        ),
        spec!(
            "西宁市民政局",
            "社会组织登记信息",
            Basic,
            2,
            3,
            COMPANY,
            ["业务主管单位"],
            S::Unconditional,
            O::Unconditional,
            U::Weekly
        ),
        spec!(
            "西宁市自然资源和规划局",
            "基础地理信息",
            Basic,
            3,
            1,
            PLACE,
            ["比例尺"],
            S::Conditional,
            O::None,
            U::Yearly
        ),
        spec!(
            "西宁市自然资源和规划局",
            "不动产登记信息",
            Basic,
            3,
            2,
            PLACE,
            ["不动产单元号", "权利人", "权利类型"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市自然资源和规划局",
            "国土空间规划信息",
            Basic,
            3,
            3,
            PLACE,
            ["规划用途"],
            S::Unconditional,
            O::Conditional,
            U::Yearly
        ),
        spec!(
            "西宁市自然资源和规划局",
            "地名地址信息",
            Basic,
            3,
            4,
            PLACE,
            ["门牌号", "邮政编码"],
            S::Unconditional,
            O::Unconditional,
            U::Monthly
        ),
        spec!(
            "西宁市发展和改革委员会",
            "公共信用信息",
            Basic,
            4,
            1,
            RECORD,
            ["信用主体类型", "信用评价等级"],
            S::Conditional,
            O::Conditional,
            U::Daily
        ),
        spec!(
            "西宁市发展和改革委员会",
            "行政许可和行政处罚信用信息",
            Basic,
            4,
            2,
            RECORD,
            ["决定文书号", "处罚类别"],
            S::Unconditional,
            O::Unconditional,
            U::Daily
        ),
        spec!(
            "西宁市发展和改革委员会",
            "失信被执行人信息",
            Basic,
            4,
            3,
            RECORD,
            ["执行法院", "案号"],
            S::Unconditional,
            O::Conditional,
            U::Daily
        ),
        spec!(
            "西宁市市场监督管理局",
            "企业营业执照电子证照",
            Basic,
            5,
            1,
            LICENCE,
            ["营业执照类型"],
            S::Unconditional,
            O::None,
            U::Realtime
        ),
        spec!(
            "西宁市公安局",
            "居民身份证电子证照",
            Basic,
            5,
            2,
            LICENCE,
            ["签发机关"],
            S::Conditional,
            O::None,
            U::Realtime
        ),
        spec!(
            "西宁市住房和城乡建设局",
            "建筑业企业资质证书",
            Basic,
            5,
            3,
            LICENCE,
            ["资质类别", "资质等级"],
            S::Unconditional,
            O::Unconditional,
            U::Daily
        ),
        spec!(
            "西宁市交通运输局",
            "道路运输经营许可证",
            Basic,
            5,
            4,
            LICENCE,
            ["经营范围"],
            S::Unconditional,
            O::Unconditional,
            U::Daily
        ),
        spec!(
            "西宁市卫生健康委员会",
            "医疗机构执业许可证",
            Basic,
            5,
            5,
            LICENCE,
            ["诊疗科目"],
            S::Unconditional,
            O::Unconditional,
            U::Daily
        ),
        spec!(
            "西宁市人力资源和社会保障局",
            "社会保险参保信息",
            Theme,
            3,
            1,
            PERSON,
            ["参保险种", "参保状态", "缴费基数"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市医疗保障局",
            "医疗保险结算信息",
            Theme,
            2,
            1,
            RECORD,
            ["医疗机构", "统筹支付金额"],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!(
            "西宁市应急管理局",
            "安全生产许可信息",
            Theme,
            5,
            1,
            LICENCE,
            ["许可范围"],
            S::Unconditional,
            O::Unconditional,
            U::Weekly
        ),
        spec!(
            "西宁市生态环境局",
            "排污许可信息",
            Theme,
            11,
            1,
            LICENCE,
            ["主要污染物", "排放限值"],
            S::Unconditional,
            O::Unconditional,
            U::Monthly
        ),
        spec!(
            "西宁市城市运行指挥中心",
            "城市运行体征指标",
            Theme,
            10,
            1,
            RECORD,
            ["指标名称", "指标值"],
            S::Unconditional,
            O::Conditional,
            U::Realtime
        ),
        spec!(
            "中共西宁市委网络安全和信息化委员会办公室",
            "网络安全等级保护备案信息",
            Dept,
            1,
            6,
            RECORD,
            ["系统名称", "保护等级"],
            S::None,
            O::None,
            U::Irregular
        ),
    ]
}

/// Theme and topic libraries the platform materialises from the base libraries; always published.
fn theme_specs() -> Vec<Spec> {
    vec![
        spec!(
            "西宁市大数据管理局",
            "企业全景",
            Theme,
            8,
            1,
            ENTERPRISE_PANORAMA,
            [],
            S::Conditional,
            O::None,
            U::Daily
        ),
        spec!("西宁市大数据管理局", "一人一档", Theme, 1, 1, PERSON_PROFILE, [], S::Conditional, O::None, U::Daily),
    ]
}

/// Names of [`theme_specs`].
pub const MATERIALISED_THEMES: [&str; 2] = ["企业全景", "一人一档"];

/// Typical resources of a department, turned into entries (classified as 部门信息资源).
const GENERIC: &[(&str, &[ItemTpl], UpdateCycle)] = &[
    ("行政许可办理信息", RECORD, U::Daily),
    ("行政处罚信息", RECORD, U::Daily),
    ("行政检查信息", RECORD, U::Weekly),
    ("政务服务事项办件信息", RECORD, U::Realtime),
    ("财政专项资金拨付信息", RECORD, U::Monthly),
    ("统计年报数据", RECORD, U::Yearly),
    ("监管对象名录", COMPANY, U::Monthly),
    ("业务系统运行日志", RECORD, U::Daily),
];

const SECRET_BASIS: &str = "《中华人民共和国保守国家秘密法》第二条及本部门定密目录";

/// The standard data element (数据元, seeded by `zs-standards`) a template item follows. Items
/// left out on purpose show in the conformance report: 户籍地址 and 邮政编码 (extras) carry no
/// reference, 民族 is declared 20 characters long where the element's code has 2.
fn standard_element(item: &str) -> Option<&'static str> {
    Some(match item {
        "id_number" => "DE01001",
        "name" => "DE01002",
        "sex" => "DE01003",
        "birth_date" => "DE01004",
        "ethnicity" => "DE01005",
        "address" => "DE03006",
        "phone" => "DE03002",
        "credit_code" => "DE02001",
        "legal_rep" => "DE02002",
        "org_name" => "DE02003",
        "reg_capital" => "DE02004",
        "established" => "DE02005",
        "reg_address" => "DE02006",
        "registration_authority" => "DE02008",
        "division_code" => "DE03001",
        "licence_no" => "DE04001",
        "issued_on" => "DE04002",
        "valid_until" => "DE04003",
        "issuer" => "DE04004",
        _ => return None,
    })
}

fn items(spec: &Spec) -> Vec<DataItem> {
    let mut out: Vec<DataItem> = spec
        .template
        .iter()
        .enumerate()
        .map(|(i, (n, l, t, len, lvl))| DataItem {
            name: (*n).to_owned(),
            label: (*l).to_owned(),
            data_type: *t,
            length: *len,
            key: i == 0,
            element: standard_element(n).map(str::to_owned),
            security_level: *lvl,
            sharing: spec.sharing,
            open: if spec.sharing == S::None { O::None } else { spec.open },
        })
        .collect();
    for (j, label) in spec.extra.iter().enumerate() {
        out.push(DataItem {
            name: format!("extra_{}", j + 1),
            label: (*label).to_owned(),
            data_type: T::String,
            length: Some(100),
            key: false,
            element: None,
            security_level: SecurityLevel::L2,
            sharing: spec.sharing,
            open: if spec.sharing == S::None { O::None } else { spec.open },
        });
    }
    out
}

fn body(spec: &Spec) -> EntryBody {
    let (conditions, legal_basis) = match spec.sharing {
        S::Conditional => (Some("仅限履行法定职责所需，按最小必要原则申请字段".to_owned()), None),
        S::None => (None, Some(SECRET_BASIS.to_owned())),
        S::Unconditional => (None, None),
    };
    EntryBody {
        name: spec.name.to_owned(),
        summary: format!("{}汇集的{}，用于跨部门业务协同、政务服务和统计分析。", spec.dept, spec.name),
        classification: Classification { class: spec.class, item: spec.item, category: spec.category, subcategory: 0 },
        format: Format { kind: FormatKind::Table, detail: "PostgreSQL".into() },
        items: items(spec),
        sharing: Sharing { kind: spec.sharing, conditions, legal_basis, method: SharingMethod::Api },
        open: Openness {
            kind: if spec.sharing == S::None { O::None } else { spec.open },
            conditions: (spec.open == O::Conditional && spec.sharing != S::None)
                .then(|| "经申请审核后向特定对象开放".to_owned()),
        },
        update_cycle: spec.cycle,
        related: vec![],
    }
}

/// Seed the demo catalogue (skipped if entries exist). `progress` gets a message per step.
/// The search index is not updated entry by entry; rebuild it afterwards.
pub async fn demo_catalogue(
    catalog: &CatalogService,
    identity: &IdentityService,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<usize> {
    if !catalog.store.list_entries("/", 0, 1).await?.is_empty() {
        return Ok(0);
    }
    let catalog = &catalog.without_index();
    let orgs = catalog.store.list_orgs("/").await?;
    let find = |name: &str| orgs.iter().find(|o| o.name == name).cloned();
    // Build the spec list: core entries, then generic department resources for every department.
    let mut specs = core_specs();
    let departments: Vec<(String, usize)> = orgs
        .iter()
        .filter(|o| o.kind == zs_types::model::OrgKind::Department)
        .enumerate()
        .map(|(i, o)| (o.name.clone(), i))
        .collect();
    for (dept, i) in &departments {
        let municipal = dept.starts_with("西宁市") || dept.starts_with("中共西宁市");
        for (k, (name, tpl, cycle)) in GENERIC.iter().enumerate() {
            let shares = [S::Unconditional, S::Conditional, S::Conditional, S::None][(i + k) % 4];
            let opens = [O::Unconditional, O::Conditional, O::None][(i + 2 * k) % 3];
            specs.push(Spec {
                dept: dept.clone(),
                name,
                class: Dept,
                item: if municipal { 1 } else { 2 },
                category: (*i as u16) + 1,
                template: tpl,
                extra: &[],
                sharing: shares,
                open: opens,
                cycle: *cycle,
            });
        }
    }
    // The theme libraries built by the platform (last, so the other entries keep their states).
    specs.extend(theme_specs());
    // One steward account per providing department (the demo's `steward` serves 市公安局).
    let op = identity.machine_operator().await?;
    let create_user = identity.authorize::<UserCreate>(&op, Some("demo-seed")).await?;
    let mut stewards: std::collections::HashMap<String, Arc<Principal>> = Default::default();
    let operator = identity.principal_of(identity.user_by_name("operator").await?).await?;
    let review = identity.authorize::<CatalogReview>(&operator, Some("demo-seed")).await?;
    let mut n = 0usize;
    let total = specs.len();
    let mut by_dept: Vec<(String, Vec<EntryBody>)> = Vec::new();
    for s in &specs {
        let b = body(s);
        match by_dept.iter_mut().find(|(d, _)| *d == s.dept) {
            Some((_, v)) => v.push(b),
            None => by_dept.push((s.dept.clone(), vec![b])),
        }
    }
    for (d_index, (dept, bodies)) in by_dept.into_iter().enumerate() {
        let Some(org) = find(&dept) else { continue };
        let principal = match stewards.get(&dept) {
            Some(p) => p.clone(),
            None => {
                let user = if dept == "西宁市公安局" {
                    identity.user_by_name("steward").await?
                } else {
                    let username = format!("steward.{}", org.id);
                    match identity.user_by_name(&username).await {
                        Ok(u) => u,
                        Err(_) => {
                            let input = CreateUser {
                                username,
                                display_name: format!("{}数据管理员", dept.trim_start_matches("西宁市")),
                                org_id: org.id,
                                role: Role::Steward,
                                password: None,
                            };
                            identity.create_user(&create_user, input).await?.0
                        }
                    }
                };
                let p = identity.principal_of(user).await?;
                stewards.insert(dept.clone(), p.clone());
                p
            }
        };
        let edit = identity.authorize::<CatalogEdit>(&principal, Some("demo-seed")).await?;
        let created = catalog.create_many(&edit, bodies, Some("demo catalogue".into())).await?;
        for (j, e) in created.iter().enumerate() {
            n += 1;
            // Spread the workflow states: most published, some in every other state.
            let slot =
                if MATERIALISED_THEMES.contains(&e.body.name.as_str()) { 10 } else { (d_index * 7 + j + 7) % 20 };
            match slot {
                0 => {} // draft
                1 => {
                    catalog.submit(&edit, e.id, None).await?;
                }
                2 => {
                    catalog.submit(&edit, e.id, None).await?;
                    catalog
                        .return_for_correction(&review, e.id, "信息项“联系电话”的安全级别应为三级，请修正后重新提交")
                        .await?;
                }
                _ => {
                    catalog.submit(&edit, e.id, None).await?;
                    catalog.approve(&review, e.id, Some("符合编目要求".into())).await?;
                    if slot == 3 {
                        // A change in progress while the published version stays live.
                        let mut b = e.body.clone();
                        b.summary.push_str("（增加数据项说明）");
                        catalog.edit(&edit, e.id, b).await?;
                        catalog.submit(&edit, e.id, Some("补充摘要".into())).await?;
                    } else if slot == 4 {
                        catalog.request_withdrawal(&edit, e.id, "业务系统已停用，数据并入新系统").await?;
                        if j % 2 == 0 {
                            catalog.approve(&review, e.id, None).await?;
                        }
                    } else if slot == 5 || slot == 6 {
                        let ob = identity.authorize::<CatalogObligation>(&principal, Some("demo-seed")).await?;
                        let input = RaiseObligation {
                            reason: if slot == 5 { ObligationReason::Law } else { ObligationReason::System },
                            note: if slot == 5 {
                                "《个人信息保护法》配套规定调整".into()
                            } else {
                                "业务系统升级，字段调整".into()
                            },
                        };
                        catalog.raise_obligation(&ob, e.id, input).await?;
                    }
                }
            }
            if n.is_multiple_of(20) {
                progress(&format!("catalogue {n}/{total}"));
            }
        }
    }
    backdate_some_obligations(catalog).await?;
    Ok(n)
}

/// Make part of the demo's obligations overdue by moving their raise date back 40 days, as if
/// raised earlier; the deadline is recomputed on the calendar.
async fn backdate_some_obligations(catalog: &CatalogService) -> Result<()> {
    let open = catalog.store.list_obligations("/", false).await?;
    let cal = catalog.calendar().await?;
    for o in open.iter().filter(|o| o.id % 2 == 0) {
        let raised = zs_types::clock::from_ms(o.raised_at) - time::Duration::days(40);
        let due = cal.add_working_days(crate::calendar::beijing_date(raised), crate::deadlines::RESUBMIT_WORKING_DAYS);
        catalog
            .store
            .backdate_obligation(o.id, zs_types::clock::to_ms(raised), &due.to_string())
            .await
            .map_err(|e| Error::internal(format!("backdating demo obligation failed: {}", e.message)))?;
    }
    Ok(())
}
