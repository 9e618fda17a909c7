//! HTTP glue for `/account`.

use crate::view::Title;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Page, Reply, finish, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::wire::AccountInfo;

pub(in crate::flows) async fn get(State(security): State<Security>, req: FlowRequest) -> Response {
    let shown = async {
        let identity = guard::require_user(&req).await?;
        let user = &identity.user;
        let roles = req
            .auth
            .roles_of(user)
            .await
            .map_err(Reply::from)?
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>();
        let info = AccountInfo {
            user: user_payload(&req, user, identity.fs_paa),
            email: user.email.clone(),
            username: user.username.clone(),
            roles,
            two_factor_method: user.tf_primary_method.clone(),
            has_password: user.password.is_some(),
        };
        let c = security.config();
        let page = Page::new("account.html", Title::Account)
            .with("account", json!(info))
            .with("two_factor", json!(c.two_factor))
            .with("unified_signin", json!(c.unified_signin));
        Ok(Reply::Show {
            json: (&info).into(),
            page,
        })
    };
    finish(&req, shown.await)
}
