//! Organisations: the city → districts/counties → departments tree (R1).

use crate::policy::{Authorized, OrgCreate, OrgRead};
use crate::IdentityService;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use zs_types::codes::{CreditCode, DivisionCode, DivisionLevel};
use zs_types::model::{NewOrg, Org, OrgKind};
use zs_types::{Error, OrgId, Result};

/// Input for a new district or department.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    /// Parent: the city (for districts and municipal departments) or a district.
    #[schema(value_type = i64)]
    pub parent_id: OrgId,
    /// `district` or `department`.
    pub kind: OrgKind,
    /// Official name, e.g. 城东区卫生健康局.
    pub name: String,
    /// GB/T 2260 county code for a district; 18-character unified social credit code for a department.
    pub code: String,
}

impl IdentityService {
    /// The whole organisation tree, ordered by path (names and codes are public facts).
    pub async fn list_orgs(&self, _pass: &Authorized<OrgRead>) -> Result<Vec<Org>> {
        self.store.list_orgs("/").await
    }

    /// One organisation.
    pub async fn get_org(&self, _pass: &Authorized<OrgRead>, id: OrgId) -> Result<Org> {
        self.store.get_org(id).await?.ok_or_else(|| Error::not_found("organisation"))
    }

    /// Validate and create a district or department under a parent in the caller's scope.
    pub async fn create_org(&self, pass: &Authorized<OrgCreate>, input: CreateOrg) -> Result<Org> {
        let parent = self.store.get_org(input.parent_id).await?.ok_or_else(|| {
            Error::invalid("parent_id", format!("parent organisation {} does not exist", input.parent_id))
        })?;
        if pass.check_scope(&parent, "organisation").is_err() {
            return Err(Error::invalid("parent_id", format!("parent organisation {} does not exist", input.parent_id)));
        }
        let new = validate_new_org(&parent, input)?;
        if self.store.org_by_code(&new.code).await?.is_some() {
            return Err(Error::new(
                zs_types::ErrorCode::AlreadyExists,
                format!("an organisation with code {} already exists", new.code),
            )
            .with_field("code"));
        }
        let org = self.store.create_org(new, zs_types::clock::to_ms(self.clock.now())).await?;
        self.done(
            pass,
            format!("org:{}", org.id),
            json!({ "kind": org.kind.as_str(), "code": org.code, "parent": parent.id }),
        )
        .await?;
        Ok(org)
    }

    /// Create the root city (bootstrap: CLI and demo only).
    pub async fn create_city(&self, name: &str, code: &str) -> Result<Org> {
        let d = DivisionCode::parse(code)?;
        if d.level() != DivisionLevel::Prefecture {
            return Err(Error::new(
                zs_types::ErrorCode::InvalidDivisionCode,
                format!("'{code}' is not a prefecture-level (city) code"),
            )
            .with_field("code"));
        }
        let name = clean_name(name)?;
        self.store
            .create_org(
                NewOrg {
                    parent_id: None,
                    kind: OrgKind::City,
                    name,
                    code: d.to_string(),
                    division_code: d.to_string(),
                },
                zs_types::clock::to_ms(self.clock.now()),
            )
            .await
    }
}

fn clean_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(Error::invalid("name", "name must be 1-100 characters without control characters"));
    }
    Ok(n.to_owned())
}

/// The tree's rules: districts sit under the city with a county code inside it; departments sit
/// under the city or a district and carry a valid credit code.
fn validate_new_org(parent: &Org, input: CreateOrg) -> Result<NewOrg> {
    let name = clean_name(&input.name)?;
    match input.kind {
        OrgKind::City => Err(Error::invalid("kind", "a city is created only at installation (zhengshu admin)")),
        OrgKind::District => {
            if parent.kind != OrgKind::City {
                return Err(Error::invalid("parent_id", "a district or county must sit directly under the city"));
            }
            let d = DivisionCode::parse(&input.code)?;
            let city = DivisionCode::parse(&parent.division_code)?;
            if d.level() != DivisionLevel::County || !city.contains(&d) {
                return Err(Error::new(
                    zs_types::ErrorCode::InvalidDivisionCode,
                    format!(
                        "'{}' is not a county-level code inside {} ({})",
                        input.code, parent.name, parent.division_code
                    ),
                )
                .with_field("code"));
            }
            Ok(NewOrg {
                parent_id: Some(parent.id),
                kind: OrgKind::District,
                name,
                code: d.to_string(),
                division_code: d.to_string(),
            })
        }
        OrgKind::Department => {
            if parent.kind == OrgKind::Department {
                return Err(Error::invalid("parent_id", "a department must sit under the city or a district"));
            }
            let c = CreditCode::parse(&input.code)?;
            Ok(NewOrg {
                parent_id: Some(parent.id),
                kind: OrgKind::Department,
                name,
                code: c.to_string(),
                division_code: parent.division_code.clone(),
            })
        }
    }
}
