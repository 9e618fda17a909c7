//! Password hashing off the async runtime: `spawn_blocking` behind a semaphore, so a login flood
//! cannot run more argon2 instances (64 MiB each by default) than the pool allows, and token
//! requests never wait behind hashing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use portcullis_core::crypto::password::{PasswordHasher, Verification};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// A bounded pool for password hashing.
#[derive(Debug, Clone)]
pub struct HashPool {
    hasher: Arc<PasswordHasher>,
    permits: Arc<Semaphore>,
    operations: Arc<AtomicU64>,
}

impl HashPool {
    /// A pool running at most `size` hashes at once (0 = number of CPUs).
    pub fn new(hasher: PasswordHasher, size: usize) -> Self {
        let size = if size == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            size
        };
        Self {
            hasher: Arc::new(hasher),
            permits: Arc::new(Semaphore::new(size)),
            operations: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The hasher (for normalisation, which is cheap).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&PasswordHasher) -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::Task(e.to_string()))?;
        let hasher = Arc::clone(&self.hasher);
        self.operations.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || f(&hasher))
            .await
            .map_err(|e| Error::Task(e.to_string()))
    }

    /// How many hash computations (hash, verify or dummy) ran so far: lets tests prove that
    /// unknown identities cost the same work as known ones.
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// Hash a password with the configured scheme.
    pub async fn hash(&self, password: String) -> Result<String> {
        Ok(self.run(move |h| h.hash(&password)).await??)
    }

    /// Verify a password against a stored hash.
    pub async fn verify(&self, password: String, stored: String) -> Result<Verification> {
        self.run(move |h| h.verify(&password, &stored)).await
    }

    /// Spend the time a verification would, for unknown users.
    pub async fn dummy_verify(&self, password: String) -> Result<()> {
        self.run(move |h| h.dummy_verify(&password)).await
    }
}
