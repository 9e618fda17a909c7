//! The integration tests of portcullis-server, one binary (modules below).

mod browser;
mod cli;
mod common;
mod mail_flows;
mod operations;
mod proxies;
mod readme;
mod scale_out;
