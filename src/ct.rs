//! Constant-time decisions shared by every code check (TOTP, HOTP, backup codes,
//! challenge lookup): compare with every candidate, remember the first match without
//! branching on it, and decide once, after the last comparison.

use core::hint::black_box;

use subtle::{Choice, ConditionallySelectable};

/// The first value recorded with a true `hit`, kept without a branch on `hit`.
pub(crate) struct FirstMatch {
    found: Choice,
    value: u64,
}

impl FirstMatch {
    pub(crate) fn new() -> Self {
        FirstMatch {
            found: Choice::from(0),
            value: 0,
        }
    }

    pub(crate) fn record(&mut self, hit: Choice, value: u64) {
        self.value.conditional_assign(&value, hit & !self.found);
        self.found |= hit;
    }

    /// The value recorded, or `default` if none was, selected in constant time: for
    /// work done the same way whether or not anything matched.
    pub(crate) fn value_or(&self, default: u64) -> u64 {
        u64::conditional_select(&default, &self.value, self.found)
    }

    /// The decision between the candidates recorded here and those in `refused`
    /// (matches the replay guard turns down), taken in constant time: found here,
    /// else refused, else no match.
    pub(crate) fn verdict(&self, refused: &FirstMatch) -> Verdict {
        let not_here = u8::conditional_select(&NO_MATCH, &REFUSED, refused.found);
        Verdict(u8::conditional_select(&not_here, &FOUND, self.found))
    }

    /// The decision for a check where nothing can be refused: found or no match.
    pub(crate) fn verdict_alone(&self) -> Verdict {
        self.verdict(&FirstMatch::new())
    }
}

const FOUND: u8 = 0;
const REFUSED: u8 = 1;
const NO_MATCH: u8 = 2;

/// What a check decided, in constant time, and not yet branched on.
#[derive(Clone, Copy)]
pub(crate) struct Verdict(u8);

impl Verdict {
    /// The outcome, for the one branch a check takes on it, after every comparison.
    ///
    /// Taken on an opaque byte, so the compiler cannot move the decision earlier.
    /// Build each arm's answer from values passed through `black_box`, or the compiler
    /// may sink the work of computing them into the arm that uses them. (Branching on
    /// the `Choice`s directly left a TOTP hit about a nanosecond slower than a miss,
    /// which the dudect harness in ct/ measured.)
    ///
    /// Take it in an `#[inline]` public function, with the work before it in another
    /// function: the caller's own branch on the result then absorbs this one. Left
    /// out of line, this branch and the different `Result` each arm writes made a hit
    /// and a miss distinguishable in the dudect harness in ct/ (|t| up to 140 for TOTP,
    /// its sign changing from process to process); inlined, they are not.
    pub(crate) fn outcome(self) -> Outcome {
        match black_box(self.0) {
            FOUND => Outcome::Found,
            REFUSED => Outcome::Refused,
            _ => Outcome::NoMatch,
        }
    }

    /// 0 found, 1 refused, 2 no match: for the timing probe, which must not branch.
    #[cfg(feature = "timing-probe")]
    pub(crate) const fn code(self) -> u8 {
        self.0
    }
}

/// What a check found.
pub(crate) enum Outcome {
    /// Something eligible matched.
    Found,
    /// Nothing eligible matched, but a refused candidate did.
    Refused,
    /// Nothing matched.
    NoMatch,
}

/// `flag` as a `Choice`, for eligibility that depends only on public values (the
/// counter range), so it can be combined with secret matches.
pub(crate) fn public(flag: bool) -> Choice {
    Choice::from(u8::from(flag))
}
