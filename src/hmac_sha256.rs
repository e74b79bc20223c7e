//! HMAC-SHA-256 keyed once: the compressed `K ^ ipad` and `K ^ opad` blocks (RFC
//! 2104), kept beside a long-lived key so each MAC under it costs only the message's
//! compressions and one outer one.
//!
//! Stored code hashes are all computed under the server key's subkeys, which live
//! as long as the process. Keying HMAC afresh for every hash (as the `hmac` crate
//! does from a key) spends two of a backup code's five compressions on work that
//! never changes. A property test checks the result against the `hmac` crate bit for
//! bit, for keys and messages of every length around the block boundaries.

use sha2::block_api::compress256;
use zeroize::{Zeroize, Zeroizing};

use crate::hash_blocks::{SHA256_IV as IV, be_bytes32, block32};

const BLOCK: usize = 64;
/// Where the message's bit length starts in its last block.
const LENGTH_AT: usize = BLOCK - 8;

/// HMAC-SHA-256 under one key. Both states are as good as the key for computing MACs,
/// so they are wiped on drop; `Debug` is not implemented.
#[derive(Clone)]
pub(crate) struct KeyedSha256 {
    inner: Zeroizing<[u32; 8]>,
    outer: Zeroizing<[u32; 8]>,
}

impl KeyedSha256 {
    /// Keys HMAC with `key` (hashed first if longer than a block, as RFC 2104 says).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = Zeroizing::new([0u8; BLOCK]);
        if key.len() > BLOCK {
            let mut digest = be_bytes32::<8, 32>(&KeyedSha256::hash(IV, 0, &[key]));
            for (b, d) in block.iter_mut().zip(digest.iter()) {
                *b = *d;
            }
            digest.zeroize();
        } else {
            for (b, k) in block.iter_mut().zip(key) {
                *b = *k;
            }
        }
        let (mut inner, mut outer) = (Zeroizing::new(IV), Zeroizing::new(IV));
        block.iter_mut().for_each(|b| *b ^= 0x36);
        compress256(&mut inner, core::slice::from_ref(&*block));
        // 0x36 ^ 0x5c turns the ipad block into the opad block in place.
        block.iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
        compress256(&mut outer, core::slice::from_ref(&*block));
        KeyedSha256 { inner, outer }
    }

    /// `HMAC-SHA-256(key, the parts one after another)`. Does not allocate; the
    /// message's copies (it may be a code) are wiped before returning.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let inner = KeyedSha256::hash(*self.inner, BLOCK, parts);
        // The outer message is the inner hash, 32 bytes: one block with its padding.
        let mut block = block32(&inner);
        let mut outer = *self.outer;
        compress256(&mut outer, core::slice::from_ref(&block));
        block[..32].zeroize();
        be_bytes32(&outer)
    }

    /// Finishes SHA-256 from `state`, which has already absorbed `prefix` bytes (whole
    /// blocks), over the parts, with the padding written by hand. Returns the final
    /// state (the digest as words), wiped on drop.
    fn hash(state: [u32; 8], prefix: usize, parts: &[&[u8]]) -> Zeroizing<[u32; 8]> {
        let mut state = Zeroizing::new(state);
        let mut block = [0u8; BLOCK];
        let mut filled = 0usize;
        let mut total = prefix;
        for part in parts {
            let mut rest: &[u8] = part;
            while !rest.is_empty() {
                let free = block.get_mut(filled..).unwrap_or_default();
                let take = free.len().min(rest.len());
                let (now, later) = rest.split_at(take);
                free.iter_mut().zip(now).for_each(|(b, m)| *b = *m);
                (filled, rest) = (filled.saturating_add(take), later);
                total = total.saturating_add(take);
                if filled == BLOCK {
                    compress256(&mut state, core::slice::from_ref(&block));
                    filled = 0;
                }
            }
        }
        if let Some(marker) = block.get_mut(filled) {
            *marker = 0x80;
        }
        block
            .get_mut(filled.saturating_add(1)..)
            .unwrap_or_default()
            .fill(0);
        // Message bytes left in the block once it is compressed for the last time:
        // only they need wiping, as every earlier block was overwritten by the next.
        let mut message_left = filled;
        if filled >= LENGTH_AT {
            // No room for the length after the marker: it goes in one more block.
            compress256(&mut state, core::slice::from_ref(&block));
            block.fill(0);
            message_left = 0;
        }
        let bits = u64::try_from(total).unwrap_or(u64::MAX).saturating_mul(8);
        if let Some(length) = block.get_mut(LENGTH_AT..) {
            length.copy_from_slice(&bits.to_be_bytes());
        }
        compress256(&mut state, core::slice::from_ref(&block));
        block.get_mut(..message_left).unwrap_or_default().zeroize();
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use proptest::prelude::*;

    fn reference(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any key (the hash-the-key path past 64 bytes), any message split into
        /// any three parts, lengths across one and two block boundaries.
        #[test]
        fn equals_the_hmac_crate(
            key in proptest::collection::vec(any::<u8>(), 0..150),
            message in proptest::collection::vec(any::<u8>(), 0..200),
            cut in any::<(usize, usize)>(),
        ) {
            let a = cut.0 % (message.len() + 1);
            let b = a + cut.1 % (message.len() - a + 1);
            let parts = [&message[..a], &message[a..b], &message[b..]];
            prop_assert_eq!(KeyedSha256::new(&key).mac(&parts), reference(&key, &parts));
        }
    }

    /// Every message length where the padding changes shape (55, 56, 63, 64, ...).
    #[test]
    fn every_padding_boundary_equals_the_hmac_crate() {
        let key = [0x42u8; 32];
        let keyed = KeyedSha256::new(&key);
        for len in 0..=200usize {
            let message: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert_eq!(
                keyed.mac(&[&message]),
                reference(&key, &[&message]),
                "{len}"
            );
        }
    }
}
