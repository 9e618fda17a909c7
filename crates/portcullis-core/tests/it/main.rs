//! The integration tests of portcullis-core, one binary (modules below).

mod deliverability;
mod parsers;
mod smtp_sink;
