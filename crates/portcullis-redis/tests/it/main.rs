//! The integration tests of portcullis-redis, one binary (modules below).

mod conformance;
