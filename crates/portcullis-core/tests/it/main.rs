//! The integration tests of portcullis-core, one binary (modules below).

mod deliverability;
mod smtp_sink;
