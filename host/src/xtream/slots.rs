//! A user's connection limit: the channels they watch at once (watching one
//! channel on two screens counts once, as the shared session does), each
//! held by a guard that goes with the viewer's body.

use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::Arc;

/// Every user's channels playing now, with their viewer counts.
#[derive(Default)]
pub(super) struct UserSlots {
    users: DashMap<String, HashMap<String, u32>>,
}

/// One viewer of a user's channel; given back when dropped.
pub(super) struct UserSlot {
    slots: Arc<UserSlots>,
    user: String,
    channel: String,
}

impl UserSlots {
    /// Takes a viewer of `channel` for `user`: always when the user already
    /// watches it, else when fewer than `max` channels are playing for them.
    pub(super) fn take(self: &Arc<Self>, user: &str, channel: &str, max: u32) -> Option<UserSlot> {
        let mut playing = self.users.entry(user.to_string()).or_default();
        if !playing.contains_key(channel) && playing.len() as u32 >= max {
            return None;
        }
        *playing.entry(channel.to_string()).or_default() += 1;
        Some(UserSlot {
            slots: self.clone(),
            user: user.to_string(),
            channel: channel.to_string(),
        })
    }

    /// How many viewers of `channel` `user` has now.
    pub(super) fn viewers(&self, user: &str, channel: &str) -> u32 {
        self.users
            .get(user)
            .and_then(|p| p.get(channel).copied())
            .unwrap_or(0)
    }

    /// How many channels `user` watches now.
    pub(super) fn active(&self, user: &str) -> usize {
        self.users.get(user).map_or(0, |p| p.len())
    }
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        if let Some(mut playing) = self.slots.users.get_mut(&self.user) {
            if let Some(n) = playing.get_mut(&self.channel) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    playing.remove(&self.channel);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_channel_twice_counts_once() {
        let slots = Arc::new(UserSlots::default());
        let a = slots.take("u", "101", 1).unwrap();
        let b = slots.take("u", "101", 1).expect("the same channel again");
        assert!(
            slots.take("u", "102", 1).is_none(),
            "a second channel is over the limit"
        );
        assert!(
            slots.take("v", "102", 1).is_some(),
            "another user has their own"
        );
        assert_eq!(slots.active("u"), 1);
        drop((a, b));
        assert_eq!(slots.active("u"), 0);
        assert!(slots.take("u", "102", 1).is_some());
    }
}
