//! `GET /auth/check`: forward-auth for reverse proxies (nginx `auth_request`, Traefik
//! ForwardAuth, Caddy `forward_auth`).

mod handler;
mod service;

pub(super) use handler::check;
