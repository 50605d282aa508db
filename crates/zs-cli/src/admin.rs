//! `zhengshu admin`: the machine operator's commands. They act with full scope and are recorded
//! in the audit trail like any other action. Administrator accounts (三员) are created only here.

use crate::{err, ConfigArgs};
use anyhow::anyhow;
use clap::Subcommand;
use std::io::BufRead;
use zs_identity::policy::{CredentialIssue, CredentialRevoke, OrgCreate, UserCreate, UserRead, UserResetPassword};
use zs_identity::{CreateOrg, CreateUser, IdentityService, IssueCredential};
use zs_types::model::OrgKind;
use zs_types::{CredentialId, Role};

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Create the city (root of the tree) and a first system administrator with a generated
    /// password that must be changed at first login.
    Init {
        /// Official city name, e.g. 西宁市.
        #[arg(long)]
        city_name: String,
        /// GB/T 2260 prefecture code, e.g. 630100.
        #[arg(long)]
        city_code: String,
        /// User name of the first system administrator.
        #[arg(long, default_value = "sysadmin")]
        admin: String,
    },
    /// Add a district/county or a department.
    CreateOrg {
        /// Official code of the parent (division code or credit code).
        #[arg(long)]
        parent: String,
        /// `district` or `department`.
        #[arg(long)]
        kind: String,
        /// Official name.
        #[arg(long)]
        name: String,
        /// GB/T 2260 code (district) or unified social credit code (department).
        #[arg(long)]
        code: String,
    },
    /// Create an account (any role, including the three administrators).
    CreateUser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// Official code of the account's organisation.
        #[arg(long)]
        org: String,
        /// platform_operator, steward, data_user, system_admin, security_admin or audit_admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Reset a password to a generated one that must be changed at next login.
    ResetPassword {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// List accounts.
    ListUsers,
    /// Issue an API credential for an account; the token is printed once.
    IssueCredential {
        /// Login name of the account the credential acts for.
        #[arg(long)]
        username: String,
        /// Label.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes, e.g. org.read,user.*
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Days until expiry (1-365).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Revoke an API credential by id.
    RevokeCredential {
        /// Credential id.
        #[arg(long)]
        id: i64,
    },
}

pub(crate) async fn run(config: ConfigArgs, cmd: AdminCommand) -> anyhow::Result<()> {
    let state = config.open_state().await?;
    let id = &state.identity;
    let rid = Some("cli");
    match cmd {
        AdminCommand::Init { city_name, city_code, admin } => {
            let city = id.create_city(&city_name, &city_code).await.map_err(err)?;
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<UserCreate>(&op, rid).await.map_err(err)?;
            let input = CreateUser {
                username: admin.clone(),
                display_name: "系统管理员".into(),
                org_id: city.id,
                role: Role::SystemAdmin,
                password: None,
            };
            let (_, pw) = id.create_user(&pass, input).await.map_err(err)?;
            println!("created {} ({}) and system administrator '{admin}'", city.name, city.code);
            println!("generated password (shown once, must be changed at first login): {}", pw.unwrap_or_default());
        }
        AdminCommand::CreateOrg { parent, kind, name, code } => {
            let parent = org_by_code(id, &parent).await?;
            let kind = OrgKind::parse(&kind).ok_or_else(|| anyhow!("--kind must be 'district' or 'department'"))?;
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<OrgCreate>(&op, rid).await.map_err(err)?;
            let org = id.create_org(&pass, CreateOrg { parent_id: parent.id, kind, name, code }).await.map_err(err)?;
            println!("created organisation {} '{}' ({})", org.id, org.name, org.code);
        }
        AdminCommand::CreateUser { username, display_name, org, role, password_stdin } => {
            let org = org_by_code(id, &org).await?;
            let role = Role::parse(&role).ok_or_else(|| anyhow!("unknown role '{role}'"))?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<UserCreate>(&op, rid).await.map_err(err)?;
            let (user, pw) = id
                .create_user(&pass, CreateUser { username, display_name, org_id: org.id, role, password })
                .await
                .map_err(err)?;
            println!("created user {} '{}' ({}) in {}", user.id, user.username, role.label_en(), org.name);
            if let Some(pw) = pw {
                println!("generated password (shown once, must be changed at first login): {pw}");
            }
        }
        AdminCommand::ResetPassword { username } => {
            let user = id.user_by_name(&username).await.map_err(err)?;
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<UserResetPassword>(&op, rid).await.map_err(err)?;
            let pw = id.reset_password(&pass, user.id).await.map_err(err)?;
            println!("new password for '{username}' (shown once, must be changed at next login): {pw}");
        }
        AdminCommand::ListUsers => {
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<UserRead>(&op, rid).await.map_err(err)?;
            let orgs = id.store().list_orgs("/").await.map_err(err)?;
            println!("{:>5}  {:<20} {:<22} {:<8} organisation", "id", "user", "role", "status");
            for u in id.list_users(&pass).await.map_err(err)? {
                let org = orgs.iter().find(|o| o.id == u.org_id).map(|o| o.name.as_str()).unwrap_or("?");
                let status = if u.disabled {
                    "disabled"
                } else if u.must_change_password {
                    "new"
                } else {
                    "active"
                };
                println!("{:>5}  {:<20} {:<22} {:<8} {org}", u.id, u.username, u.role.as_str(), status);
            }
        }
        AdminCommand::IssueCredential { username, name, scopes, days } => {
            let user = id.user_by_name(&username).await.map_err(err)?;
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<CredentialIssue>(&op, rid).await.map_err(err)?;
            let input = IssueCredential { name, scopes, expires_in_days: Some(days), user_id: Some(user.id) };
            let (cred, token) = id.issue_credential(&pass, input).await.map_err(err)?;
            println!(
                "credential {} for '{username}' expires {}",
                cred.id,
                cred.expires_at.map(|t| t.to_string()).unwrap_or_default()
            );
            println!("token (shown once, store it safely): {token}");
        }
        AdminCommand::RevokeCredential { id: cid } => {
            let op = id.machine_operator().await.map_err(err)?;
            let pass = id.authorize::<CredentialRevoke>(&op, rid).await.map_err(err)?;
            id.revoke_credential(&pass, CredentialId(cid)).await.map_err(err)?;
            println!("credential {cid} revoked");
        }
    }
    Ok(())
}

async fn org_by_code(id: &IdentityService, code: &str) -> anyhow::Result<zs_types::model::Org> {
    id.store().org_by_code(code).await.map_err(err)?.ok_or_else(|| anyhow!("no organisation with code '{code}'"))
}
