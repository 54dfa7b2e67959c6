//! Request rate limits: one bucket per API token, and one per client address
//! for requests without a valid token (and for WebSocket upgrades), so that
//! one client cannot take the connection pool from everyone else.
//!
//! Buckets are GCRA (the `governor` crate): `RATE_LIMIT_PER_SECOND` refills
//! and `RATE_LIMIT_BURST` at once; `ANON_…` for addresses. Over the limit the
//! answer is 429 with `Retry-After` and `extensions.code = "RATE_LIMITED"`.
//! A rate of 0 switches that limit off.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::Settings;
use crate::domain::id::TokenId;

/// The two kinds of bucket.
pub struct RateLimits {
    tokens: Option<DefaultKeyedRateLimiter<TokenId>>,
    addrs: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

/// Refused: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header (at least 1).
    pub fn seconds(self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

fn limiter<K>(per_second: u32, burst: u32) -> Option<DefaultKeyedRateLimiter<K>>
where
    K: std::hash::Hash + Eq + Clone,
{
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(DefaultKeyedRateLimiter::keyed(
        Quota::per_second(rate).allow_burst(burst),
    ))
}

impl RateLimits {
    /// Buckets as the settings say.
    pub fn new(settings: &Settings) -> Self {
        Self {
            tokens: limiter(settings.rate_limit_per_second, settings.rate_limit_burst),
            addrs: limiter(
                settings.anon_rate_limit_per_second,
                settings.anon_rate_limit_burst,
            ),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from a token's bucket.
    pub fn check_token(&self, token_id: TokenId) -> Result<(), RetryAfter> {
        match &self.tokens {
            Some(l) => l
                .check_key(&token_id)
                .map_err(|e| RetryAfter(e.wait_time_from(self.clock.now()))),
            None => Ok(()),
        }
    }

    /// Takes one request from a client address's bucket.
    pub fn check_addr(&self, addr: IpAddr) -> Result<(), RetryAfter> {
        match &self.addrs {
            Some(l) => l
                .check_key(&addr)
                .map_err(|e| RetryAfter(e.wait_time_from(self.clock.now()))),
            None => Ok(()),
        }
    }

    /// Forgets buckets that are full again, so memory follows the active
    /// clients rather than every client ever seen.
    pub fn forget_idle(&self) {
        if let Some(l) = &self.tokens {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.addrs {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// Calls [`RateLimits::forget_idle`] every minute until `stop` fires.
pub async fn sweep(
    limits: std::sync::Arc<RateLimits>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => limits.forget_idle(),
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(rate: u32, burst: u32) -> Settings {
        let mut s = Settings::for_database("sqlite::memory:");
        s.rate_limit_per_second = rate;
        s.rate_limit_burst = burst;
        s.anon_rate_limit_per_second = rate;
        s.anon_rate_limit_burst = burst;
        s
    }

    #[test]
    fn a_burst_passes_then_the_next_waits_and_keys_are_apart() {
        let l = RateLimits::new(&settings(1, 3));
        for _ in 0..3 {
            assert_eq!(l.check_token(TokenId::new(7)), Ok(()));
        }
        let wait = l.check_token(TokenId::new(7)).unwrap_err();
        assert!(wait.0 <= Duration::from_secs(1) && wait.0 > Duration::ZERO);
        assert_eq!(wait.seconds(), 1);
        // Another token and an address have buckets of their own.
        assert_eq!(l.check_token(TokenId::new(8)), Ok(()));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(l.check_addr(ip), Ok(()));
    }

    #[test]
    fn rate_zero_is_no_limit() {
        let l = RateLimits::new(&settings(0, 1));
        for _ in 0..10_000 {
            assert_eq!(l.check_token(TokenId::new(1)), Ok(()));
        }
    }
}
