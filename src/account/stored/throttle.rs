//! A record's guessing budget and send budget as stored:
//! `"throttle":{"failures":2,"wait_until":0}` and `"sends":{"since":…,"sent":1}`,
//! each left out while all zero (no failures, nothing sent).

use serde::{Deserialize, Serialize};

use crate::account::throttle::{SendBudget, Throttle};

#[derive(Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct ThrottleV1 {
    failures: u32,
    wait_until: u64,
}

#[derive(Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct SendsV1 {
    since: u64,
    sent: u8,
}

impl From<Throttle> for ThrottleV1 {
    fn from(t: Throttle) -> Self {
        ThrottleV1 {
            failures: t.failures,
            wait_until: t.wait_until,
        }
    }
}

impl From<ThrottleV1> for Throttle {
    fn from(t: ThrottleV1) -> Self {
        Throttle {
            failures: t.failures,
            wait_until: t.wait_until,
        }
    }
}

impl From<SendBudget> for SendsV1 {
    fn from(s: SendBudget) -> Self {
        SendsV1 {
            since: s.since,
            sent: s.sent,
        }
    }
}

impl From<SendsV1> for SendBudget {
    fn from(s: SendsV1) -> Self {
        SendBudget {
            since: s.since,
            sent: s.sent,
        }
    }
}
