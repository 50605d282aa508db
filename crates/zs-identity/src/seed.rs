//! The demo city: Xining (西宁市, 630100) with its seven districts and counties, the municipal
//! departments named in the work plan, a few departments per district, and one account per role.
//! Seeding is idempotent: existing organisations are kept; demo accounts get fresh passwords.

use crate::policy::{OrgCreate, UserCreate, UserResetPassword};
use crate::{CreateOrg, CreateUser, IdentityService};
use zs_types::codes::{CreditCode, DivisionCode};
use zs_types::model::{Org, OrgKind};
use zs_types::{Error, Result, Role};

/// The city.
pub const CITY: (&str, &str) = ("西宁市", "630100");

/// Districts and counties of Xining with their GB/T 2260 codes.
pub const DISTRICTS: [(&str, &str); 7] = [
    ("城东区", "630102"),
    ("城中区", "630103"),
    ("城西区", "630104"),
    ("城北区", "630105"),
    ("湟中区", "630106"),
    ("大通回族土族自治县", "630121"),
    ("湟源县", "630123"),
];

/// Municipal departments (市直部门) named in or implied by the work plan.
pub const MUNICIPAL: [&str; 24] = [
    "西宁市大数据管理局",
    "西宁市人民政府办公室",
    "西宁市发展和改革委员会",
    "西宁市自然资源和规划局",
    "西宁市公安局",
    "中共西宁市委网络安全和信息化委员会办公室",
    "西宁市市场监督管理局",
    "西宁市人力资源和社会保障局",
    "西宁市卫生健康委员会",
    "西宁市民政局",
    "西宁市教育局",
    "西宁市财政局",
    "西宁市住房和城乡建设局",
    "西宁市交通运输局",
    "西宁市生态环境局",
    "西宁市农业农村局",
    "西宁市水务局",
    "西宁市商务局",
    "西宁市应急管理局",
    "西宁市统计局",
    "西宁市医疗保障局",
    "西宁市司法局",
    "西宁市城市管理局",
    "西宁市城市运行指挥中心",
];

/// Departments created in every district or county.
pub const PER_DISTRICT: [&str; 3] = ["民政局", "卫生健康局", "市场监督管理局"];

/// A demo account and its freshly generated password.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role.
    pub role: Role,
    /// User name.
    pub username: String,
    /// Generated password (demo mode: no forced change).
    pub password: String,
    /// Organisation name.
    pub org: String,
}

/// The demo accounts: (user name, display name, role, organisation name).
pub const DEMO_USERS: [(&str, &str, Role, &str); 7] = [
    ("operator", "王运营", Role::PlatformOperator, "西宁市大数据管理局"),
    ("cd.operator", "李区运营", Role::PlatformOperator, "城东区"),
    ("steward", "张管理", Role::Steward, "西宁市公安局"),
    ("datauser", "赵使用", Role::DataUser, "西宁市人力资源和社会保障局"),
    ("sysadmin", "孙系统", Role::SystemAdmin, "西宁市大数据管理局"),
    ("secadmin", "周安全", Role::SecurityAdmin, "西宁市大数据管理局"),
    ("auditor", "吴审计", Role::AuditAdmin, "西宁市大数据管理局"),
];

/// A deterministic, valid agency credit code for the n-th demo department of a division.
pub fn demo_credit_code(division: &str, n: u32) -> Result<String> {
    let d = DivisionCode::parse(division)?;
    // 8-digit organisation body; the GB 11714 and GB 32100 check characters are computed.
    let body =
        format!("{:08}", 13_500_000 + u64::from(division.parse::<u32>().unwrap_or(0) % 1000) * 100 + u64::from(n));
    Ok(CreditCode::for_agency(&d, &body)?.to_string())
}

/// Create (or complete) the demo city and reset the demo accounts' passwords. `progress` is
/// called once per step with a short description.
pub async fn demo_city(svc: &IdentityService, progress: &(dyn Fn(&str) + Sync)) -> Result<Vec<DemoLogin>> {
    let store = svc.store.clone();
    let city = match store.org_by_code(CITY.1).await? {
        Some(c) => c,
        None => svc.create_city(CITY.0, CITY.1).await?,
    };
    progress(CITY.0);
    let op = svc.machine_operator().await?;
    let create = svc.authorize::<OrgCreate>(&op, Some("demo-seed")).await?;
    let ensure = |parent: Org, kind: OrgKind, name: String, code: String| {
        let store = store.clone();
        let create = &create;
        async move {
            if let Some(o) = store.org_by_code(&code).await? {
                return Ok::<Org, Error>(o);
            }
            svc.create_org(create, CreateOrg { parent_id: parent.id, kind, name, code }).await
        }
    };
    for (i, name) in MUNICIPAL.iter().enumerate() {
        ensure(city.clone(), OrgKind::Department, (*name).to_owned(), demo_credit_code(CITY.1, i as u32 + 1)?).await?;
        progress(name);
    }
    for (name, code) in DISTRICTS {
        let d = ensure(city.clone(), OrgKind::District, name.to_owned(), code.to_owned()).await?;
        for (j, dep) in PER_DISTRICT.iter().enumerate() {
            ensure(d.clone(), OrgKind::Department, format!("{name}{dep}"), demo_credit_code(code, j as u32 + 1)?)
                .await?;
        }
        progress(name);
    }
    let orgs = store.list_orgs("/").await?;
    let user_create = svc.authorize::<UserCreate>(&op, Some("demo-seed")).await?;
    let reset = svc.authorize::<UserResetPassword>(&op, Some("demo-seed")).await?;
    let mut logins = Vec::new();
    for (username, display, role, org_name) in DEMO_USERS {
        let org = orgs
            .iter()
            .find(|o| o.name == org_name)
            .ok_or_else(|| Error::internal(format!("demo organisation {org_name} missing")))?;
        let password = match store.user_by_username(username).await? {
            Some(u) => svc.reset_password(&reset, u.id).await?,
            None => {
                let input = CreateUser {
                    username: username.to_owned(),
                    display_name: display.to_owned(),
                    org_id: org.id,
                    role,
                    password: None,
                };
                svc.create_user(&user_create, input).await?.1.unwrap_or_default()
            }
        };
        logins.push(DemoLogin { role, username: username.to_owned(), password, org: org_name.to_owned() });
    }
    progress("accounts");
    Ok(logins)
}
