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
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl HashPool {
    /// A pool running at most `size` hashes at once (0 = half the CPUs, at least one: the
    /// other half keeps answering token and session requests during a login flood).
    pub fn new(hasher: PasswordHasher, size: usize) -> Self {
        let size = if size == 0 {
            std::thread::available_parallelism()
                .map(|n| (n.get() / 2).max(1))
                .unwrap_or(1)
        } else {
            size
        };
        Self {
            hasher: Arc::new(hasher),
            permits: Arc::new(Semaphore::new(size)),
            operations: Arc::new(AtomicU64::new(0)),
            metrics: None,
        }
    }

    /// Report queue depth and waiting time to `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The hasher (for normalisation, which is cheap).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&PasswordHasher) -> T + Send + 'static,
    ) -> Result<T> {
        // The permit moves into the blocking task: if the request is cancelled, the hash still
        // holds its slot until it finishes, so aborted requests cannot pile up argon2 instances.
        let queued = std::time::Instant::now();
        if let Some(m) = &self.metrics {
            m.hash_queued();
        }
        let permit = Arc::clone(&self.permits).acquire_owned().await;
        if let Some(m) = &self.metrics {
            m.hash_started(queued.elapsed().as_secs_f64());
        }
        let permit = permit.map_err(|e| Error::Task(e.to_string()))?;
        let hasher = Arc::clone(&self.hasher);
        self.operations.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let out = f(&hasher);
            drop(permit);
            out
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))
    }

    /// Permits free right now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// How many hash computations (hash, verify or dummy) ran so far: lets tests prove that
    /// unknown identities cost the same work as known ones.
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// Any other slow computation (recovery-code hashing), off the runtime and in the pool.
    pub(crate) async fn compute<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        self.run(move |_| f()).await
    }

    /// Flask-Security's `hash_data` (for link tokens; slow, so it runs here).
    pub async fn hash_data(&self, value: String) -> Result<String> {
        self.run(move |_| portcullis_core::crypto::hash_data::hash_data(&value))
            .await?
            .ok_or_else(|| Error::Task("hash_data failed".into()))
    }

    /// Flask-Security's `verify_hash` for link tokens.
    pub async fn verify_data(&self, value: String, hash: String) -> Result<bool> {
        self.run(move |_| portcullis_core::crypto::hash_data::verify_hash_data(&value, &hash))
            .await
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

#[cfg(test)]
mod tests {
    use portcullis_core::crypto::password::{PasswordConfig, PasswordHasher};

    use super::HashPool;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_requests_keep_their_permit_until_the_hash_finishes() {
        let hasher = PasswordHasher::new(PasswordConfig {
            salt: Some("s".to_owned().into()),
            ..PasswordConfig::default()
        })
        .unwrap();
        let stored = hasher.hash("a password").unwrap();
        let pool = HashPool::new(hasher, 1);
        // Default argon2 (64 MiB, t=3) takes far longer than 1 ms.
        let r = tokio::time::timeout(
            std::time::Duration::from_millis(1),
            pool.verify("a password".into(), stored.clone()),
        )
        .await;
        assert!(r.is_err(), "the verification should still be running");
        assert_eq!(
            pool.available(),
            0,
            "the cancelled hash still holds its permit"
        );
        // It is released when the hash finishes.
        let ok = pool.verify("a password".into(), stored).await.unwrap();
        assert!(ok.is_valid());
        assert_eq!(pool.available(), 1);
    }
}
