//! The configuration loader: any value for any key is accepted or refused with a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::config::{Duration, raw};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Duration::parse(text);
    let index = data.first().copied().unwrap_or(0) as usize % raw::KEYS.len();
    let (key, _) = raw::KEYS[index];
    if let Err(e) = raw::load(None, vec![(raw::env_name(key), text.to_owned())]) {
        assert!(!e.to_string().is_empty());
    }
});
