//! A bounded map from text keys to shared values, oldest entry out first:
//! the per-instance memory of persisted queries and parsed documents.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

/// At most `capacity` entries; inserting past that drops the oldest.
pub struct BoundedMap<V> {
    capacity: usize,
    inner: Mutex<Entries<V>>,
}

struct Entries<V> {
    by_key: HashMap<Box<str>, V>,
    order: VecDeque<Box<str>>,
}

impl<V: Clone> BoundedMap<V> {
    /// An empty map holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Entries {
                by_key: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The value under `key`, if remembered.
    pub fn get(&self, key: &str) -> Option<V> {
        let e = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        e.by_key.get(key).cloned()
    }

    /// Remembers `value` under `key` unless the key is known already.
    pub fn put(&self, key: &str, value: V) {
        let mut e = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if self.capacity == 0 || e.by_key.contains_key(key) {
            return;
        }
        if e.order.len() >= self.capacity
            && let Some(old) = e.order.pop_front()
        {
            e.by_key.remove(&old);
        }
        e.order.push_back(key.into());
        e.by_key.insert(key.into(), value);
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .order
            .len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_entries_up_to_its_capacity() {
        let m = BoundedMap::new(3);
        for i in 0..5 {
            m.put(&i.to_string(), i);
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("0"), None);
        assert_eq!(m.get("1"), None);
        assert_eq!(m.get("4"), Some(4));
        // A known key keeps its first value and its place.
        m.put("2", 20);
        assert_eq!(m.get("2"), Some(2));
        let none = BoundedMap::new(0);
        none.put("a", 1);
        assert!(none.is_empty());
    }
}
