//! The injected clock. Production reads the system time; tests and demos use a
//! [`ManualClock`] they can move forward.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::time::stockholm_date;

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Europe/Stockholm.
    fn today(&self) -> NaiveDate {
        stockholm_date(self.now())
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved. Cloning shares the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A shared clock.
pub type SharedClock = Arc<dyn Clock>;

/// A clock that runs `speed` times faster than the system clock from the moment
/// it is made: with 1440 a demo lives a day per minute (spot-check deadlines and
/// next-banking-day payouts included).
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    started_real: std::time::Instant,
    started_at: DateTime<Utc>,
    speed: u32,
}

impl ScaledClock {
    /// A clock running `speed` times faster than real time, starting now.
    pub fn new(speed: u32) -> Self {
        Self {
            started_real: std::time::Instant::now(),
            started_at: Utc::now(),
            speed: speed.max(1),
        }
    }
}

impl ScaledClock {
    /// A clock running `speed` times faster than real time that showed the real
    /// time at `origin`: several processes given the same origin agree on the
    /// time, also after one of them restarts.
    pub fn anchored(origin: DateTime<Utc>, speed: u32) -> Self {
        let since = (Utc::now() - origin).to_std().unwrap_or_default();
        let speed = speed.max(1);
        Self {
            started_real: std::time::Instant::now(),
            started_at: origin + Duration::from_std(since * speed).unwrap_or(Duration::zero()),
            speed,
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.started_real.elapsed() * self.speed;
        self.started_at + Duration::from_std(elapsed).unwrap_or(Duration::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_clock_runs_faster() {
        let c = ScaledClock::new(3600);
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // 20 ms × 3600 = 72 s.
        assert!(c.now() - a >= Duration::seconds(60));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Utc::now());
        let a = c.now();
        assert_eq!(c.now(), a);
        c.advance(Duration::days(1));
        assert_eq!(c.now() - a, Duration::days(1));
    }
}
