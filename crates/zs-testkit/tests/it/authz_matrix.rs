//! Every route of the OpenAPI document × every role (and anonymous): allowed exactly when the
//! policy table says so. A route whose operation has no rule fails here.

use serde_json::{json, Value};
use zs_http::openapi::{action_of, PUBLIC_OPERATIONS};
use zs_identity::policy::{role_allows, ACTIONS};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::Role;

on_backends!(every_route_every_role);

async fn every_route_every_role(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "authz_matrix").await else { return };
    let logins = srv.seed_demo().await;
    let spec: Value = serde_json::from_str(&zs_http::openapi::document()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let action = action_of(op_id);
            let public = PUBLIC_OPERATIONS.contains(&action);
            assert!(
                public || ACTIONS.iter().any(|(n, _)| *n == action),
                "{method} {path}: operation '{op_id}' has no rule in the policy table"
            );
            if public {
                continue;
            }
            // A path id nobody has: allowed callers get past authorisation and find nothing.
            let url = path
                .replace("{id}", "987654")
                .replace("{class}", "999999999")
                .replace("{seq}", "000001")
                .replace("{key}", "k");
            let (status, body) = call(&srv, method, &url, None).await;
            assert_eq!(status, 401, "anonymous {method} {path}: {body}");
            assert_eq!(body["code"], "unauthenticated");
            for login in &logins {
                // Fresh session per call, so logout and disable routes cannot disturb the next one.
                let token = srv.login(&login.username, &login.password).await.unwrap();
                let (status, body) = call(&srv, method, &url, Some(&token)).await;
                let expected = role_allows(action, login.role);
                if expected {
                    assert!(
                        status != 401 && status != 403,
                        "{} ({:?}) {method} {path} should be allowed, got {status} {body}",
                        login.username,
                        login.role
                    );
                } else {
                    assert_eq!(
                        status, 403,
                        "{} ({:?}) {method} {path} should be denied: {body}",
                        login.username, login.role
                    );
                    assert_eq!(body["code"], "forbidden");
                }
                checked += 1;
            }
        }
    }
    let roles: std::collections::HashSet<Role> = logins.iter().map(|l| l.role).collect();
    assert_eq!(roles.len(), Role::ALL.len(), "the demo city has one account per role");
    assert!(checked >= 15 * logins.len(), "only {checked} checks");

    // Every decision was recorded, denials included.
    let auditor = srv.login("auditor", TestServer::password_of(&logins, "auditor")).await.unwrap();
    let (s, recs) = srv.get("/api/v1/audit?action=user.create&limit=1000", Some(&auditor)).await.unwrap();
    assert_eq!(s, 200);
    let recs = recs.as_array().unwrap();
    assert!(recs.iter().any(|r| r["outcome"] == "denied"), "denials of user.create recorded");
    assert!(recs.iter().any(|r| r["outcome"] == "allowed"), "allowances of user.create recorded");
}

async fn call(srv: &TestServer, method: &str, url: &str, token: Option<&str>) -> (u16, Value) {
    let r = match method {
        "get" => srv.get(url, token).await,
        "post" => srv.post(url, token, &json!({})).await,
        "put" => srv.put(url, token, &json!({})).await,
        "delete" => srv.delete(url, token).await,
        other => panic!("method {other} not covered by the matrix test"),
    };
    r.unwrap()
}
