//! HMAC of an 8-byte counter, keyed once and evaluated per step with exactly two
//! compression-function calls.
//!
//! The `hmac` crate spends most of its time at this message size on buffering and
//! finalisation bookkeeping. An OTP message is always one 8-byte counter, so both the
//! inner and the outer hash are a single padded block on top of a state that only
//! depends on the key. We compute those two keyed states once (RFC 2104's
//! `H(K ^ ipad)` and `H(K ^ opad)` prefixes), then per counter build the one inner block
//! and the one outer block by hand and call the compression function directly. The
//! result is bit-for-bit HMAC: a property test checks it against the `hmac`
//! crate (the property test at the end of this file) for every algorithm, key lengths
//! from 0 to past two blocks, and random counters.

use zeroize::{Zeroize, Zeroizing};

use super::Algorithm;

const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// HMAC keyed for one algorithm: the compressed `K ^ ipad` and `K ^ opad` blocks.
/// Both states are key-equivalent material and are zeroed on drop (by `Zeroizing`).
pub(crate) enum KeyedMac {
    Sha1 {
        inner: Zeroizing<[u32; 5]>,
        outer: Zeroizing<[u32; 5]>,
    },
    Sha256 {
        inner: Zeroizing<[u32; 8]>,
        outer: Zeroizing<[u32; 8]>,
    },
    Sha512 {
        inner: Zeroizing<[u64; 8]>,
        outer: Zeroizing<[u64; 8]>,
    },
}

impl KeyedMac {
    /// Keys HMAC with `key` (hashed first if longer than the block, as RFC 2104 says).
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => {
                let mut block = [0u8; 64];
                let key_len = load_key::<sha1::Sha1>(key, &mut block);
                let (inner, outer) =
                    key_states(SHA1_IV, &mut block, key_len, sha1::block_api::compress);
                KeyedMac::Sha1 {
                    inner: Zeroizing::new(inner),
                    outer: Zeroizing::new(outer),
                }
            }
            Algorithm::Sha256 => {
                let mut block = [0u8; 64];
                let key_len = load_key::<sha2::Sha256>(key, &mut block);
                let (inner, outer) =
                    key_states(SHA256_IV, &mut block, key_len, sha2::block_api::compress256);
                KeyedMac::Sha256 {
                    inner: Zeroizing::new(inner),
                    outer: Zeroizing::new(outer),
                }
            }
            Algorithm::Sha512 => {
                let mut block = [0u8; 128];
                let key_len = load_key::<sha2::Sha512>(key, &mut block);
                let (inner, outer) =
                    key_states(SHA512_IV, &mut block, key_len, sha2::block_api::compress512);
                KeyedMac::Sha512 {
                    inner: Zeroizing::new(inner),
                    outer: Zeroizing::new(outer),
                }
            }
        }
    }

    /// `HMAC(key, counter as 8 big-endian bytes)`, as the hash's state words.
    pub(crate) fn counter_mac(&self, counter: u64) -> MacWords {
        let message = counter.to_be_bytes();
        match self {
            KeyedMac::Sha1 { inner, outer } => {
                let inner_hash = one_block(**inner, &message, sha1::block_api::compress);
                let digest = be_bytes32::<5, 20>(&inner_hash);
                MacWords::Sha1(one_block(**outer, &digest, sha1::block_api::compress))
            }
            KeyedMac::Sha256 { inner, outer } => {
                let inner_hash = one_block(**inner, &message, sha2::block_api::compress256);
                let digest = be_bytes32::<8, 32>(&inner_hash);
                MacWords::Sha256(one_block(**outer, &digest, sha2::block_api::compress256))
            }
            KeyedMac::Sha512 { inner, outer } => {
                let inner_hash = one_block_512(**inner, &message);
                let mut digest = [0u8; 64];
                for (chunk, w) in digest.chunks_exact_mut(8).zip(inner_hash) {
                    chunk.copy_from_slice(&w.to_be_bytes());
                }
                MacWords::Sha512(one_block_512(**outer, &digest))
            }
        }
    }
}

/// How many counters [`KeyedMac::counter_macs`] keeps in flight: enough independent
/// compressions for an out-of-order core to overlap, few enough that their states
/// stay in registers and on a small stack.
pub(crate) const LANES: usize = 4;

impl KeyedMac {
    /// `HMAC(key, counter)` for every counter of `counters`, handed to `each` with
    /// its index, in order.
    ///
    /// Computed `LANES` counters at a time, every inner hash of the group first and
    /// then every outer hash: only a counter's outer hash waits for its inner hash,
    /// so the compressions of different counters are independent in the instruction
    /// stream and the core runs them side by side. One counter after another, each
    /// inner → outer pair would wait for the one before.
    pub(crate) fn counter_macs(&self, counters: &[u64], mut each: impl FnMut(usize, MacWords)) {
        for (chunk, group) in counters.chunks(LANES).enumerate() {
            let first = chunk.saturating_mul(LANES);
            match self {
                KeyedMac::Sha1 { inner, outer } => {
                    let mut states = [[0u32; 5]; LANES];
                    let lanes = two_pass(
                        (&**inner, &**outer),
                        group,
                        &mut states,
                        sha1::block_api::compress,
                        |state, block: &mut [u8; 64]| {
                            pad_into(block, &be_bytes32::<5, 20>(state), 64)
                        },
                    );
                    for (i, state) in lanes.iter().enumerate() {
                        each(first.saturating_add(i), MacWords::Sha1(*state));
                    }
                }
                KeyedMac::Sha256 { inner, outer } => {
                    let mut states = [[0u32; 8]; LANES];
                    let lanes = two_pass(
                        (&**inner, &**outer),
                        group,
                        &mut states,
                        sha2::block_api::compress256,
                        |state, block: &mut [u8; 64]| {
                            pad_into(block, &be_bytes32::<8, 32>(state), 64)
                        },
                    );
                    for (i, state) in lanes.iter().enumerate() {
                        each(first.saturating_add(i), MacWords::Sha256(*state));
                    }
                }
                KeyedMac::Sha512 { inner, outer } => {
                    let mut states = [[0u64; 8]; LANES];
                    let lanes = two_pass(
                        (&**inner, &**outer),
                        group,
                        &mut states,
                        sha2::block_api::compress512,
                        |state, block: &mut [u8; 128]| {
                            let mut digest = [0u8; 64];
                            for (chunk, w) in digest.chunks_exact_mut(8).zip(state) {
                                chunk.copy_from_slice(&w.to_be_bytes());
                            }
                            pad_into(block, &digest, 128);
                        },
                    );
                    for (i, state) in lanes.iter().enumerate() {
                        each(first.saturating_add(i), MacWords::Sha512(*state));
                    }
                }
            }
        }
    }
}

/// HMAC of each counter of `counters` (at most `LANES`) on the keyed states: every
/// inner block compressed first, then every outer block. Returns the filled lanes.
fn two_pass<'s, S: Copy, const B: usize>(
    (inner, outer): (&S, &S),
    counters: &[u64],
    states: &'s mut [S; LANES],
    compress: fn(&mut S, &[[u8; B]]),
    outer_block: impl Fn(&S, &mut [u8; B]),
) -> &'s [S] {
    let lanes = states.get_mut(..counters.len()).unwrap_or_default();
    let block_len = u64::try_from(B).unwrap_or(0);
    for (state, counter) in lanes.iter_mut().zip(counters) {
        let mut block = [0u8; B];
        pad_into(&mut block, &counter.to_be_bytes(), block_len);
        *state = *inner;
        compress(state, core::slice::from_ref(&block));
    }
    for state in lanes.iter_mut() {
        let mut block = [0u8; B];
        outer_block(state, &mut block);
        *state = *outer;
        compress(state, core::slice::from_ref(&block));
    }
    lanes
}

/// An HMAC output as the hash function's big-endian state words, so truncation can
/// work on words without serialising the whole output to bytes.
pub(crate) enum MacWords {
    Sha1([u32; 5]),
    Sha256([u32; 8]),
    Sha512([u64; 8]),
}

impl MacWords {
    /// The first 20 output bytes as five big-endian words, and the last output byte:
    /// all that RFC 4226 dynamic truncation reads (an offset of at most 15, plus 4).
    pub(crate) fn truncation_input(&self) -> ([u32; 5], u8) {
        match self {
            MacWords::Sha1(w) => (*w, w[4].to_le_bytes()[0]),
            MacWords::Sha256(w) => ([w[0], w[1], w[2], w[3], w[4]], w[7].to_le_bytes()[0]),
            MacWords::Sha512(w) => {
                let halves = |x: u64| ((x >> 32) as u32, x as u32);
                let ((a, b), (c, d), (e, _)) = (halves(w[0]), halves(w[1]), halves(w[2]));
                ([a, b, c, d, e], w[7].to_le_bytes()[0])
            }
        }
    }

    /// The output bytes, for comparison with a reference HMAC.
    #[cfg(test)]
    pub(crate) fn to_bytes(&self) -> std::vec::Vec<u8> {
        match self {
            MacWords::Sha1(w) => w.iter().flat_map(|x| x.to_be_bytes()).collect(),
            MacWords::Sha256(w) => w.iter().flat_map(|x| x.to_be_bytes()).collect(),
            MacWords::Sha512(w) => w.iter().flat_map(|x| x.to_be_bytes()).collect(),
        }
    }
}

/// Copies the key into a zeroed block, or its digest when it is longer than the block.
/// Returns how many leading bytes of the block now hold key material.
fn load_key<D: sha1::Digest>(key: &[u8], block: &mut [u8]) -> usize {
    if key.len() > block.len() {
        let mut digest = D::digest(key);
        for (b, d) in block.iter_mut().zip(digest.iter()) {
            *b = *d;
        }
        let len = digest.len();
        digest.as_mut_slice().zeroize();
        len
    } else {
        for (b, k) in block.iter_mut().zip(key) {
            *b = *k;
        }
        key.len()
    }
}

/// Compresses `K ^ ipad` and `K ^ opad` onto the IV, then wipes the key material.
///
/// Only the first `key_len` bytes need wiping: past the key the block holds the
/// public pad byte (`0x5c` at the end), which says nothing about the key. That saves
/// most of the volatile stores for the usual 20-byte secret.
fn key_states<S: Copy, const B: usize>(
    iv: S,
    block: &mut [u8; B],
    key_len: usize,
    compress: fn(&mut S, &[[u8; B]]),
) -> (S, S) {
    let mut inner = iv;
    let mut outer = iv;
    block.iter_mut().for_each(|b| *b ^= 0x36);
    compress(&mut inner, core::slice::from_ref(block));
    // 0x36 ^ 0x5c turns the ipad block into the opad block in place.
    block.iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
    compress(&mut outer, core::slice::from_ref(block));
    match block.get_mut(..key_len) {
        Some(key_bytes) => key_bytes.zeroize(),
        None => block.zeroize(),
    }
    (inner, outer)
}

/// Finishes a hash whose first 64-byte block is already in `state` with `message` (at
/// most 55 bytes) as the only further block: Merkle–Damgård padding written by hand.
fn one_block<S: Copy>(mut state: S, message: &[u8], compress: fn(&mut S, &[[u8; 64]])) -> S {
    let mut block = [0u8; 64];
    pad_into(&mut block, message, 64);
    compress(&mut state, core::slice::from_ref(&block));
    state
}

/// The SHA-512 version of [`one_block`]: 128-byte blocks, 128-bit length.
fn one_block_512(mut state: [u64; 8], message: &[u8]) -> [u64; 8] {
    let mut block = [0u8; 128];
    pad_into(&mut block, message, 128);
    sha2::block_api::compress512(&mut state, core::slice::from_ref(&block));
    state
}

/// Writes `message`, the `0x80` end marker, and the total bit length (one prefix block
/// of `block_len` bytes plus the message) in the block's last 8 bytes. For SHA-512 the
/// length field is 16 bytes, whose upper 8 stay zero at these sizes.
fn pad_into(block: &mut [u8], message: &[u8], block_len: u64) {
    for (b, m) in block.iter_mut().zip(message) {
        *b = *m;
    }
    if let Some(marker) = block.get_mut(message.len()) {
        *marker = 0x80;
    }
    let message_len = u64::try_from(message.len()).unwrap_or(0);
    let bits = block_len.saturating_add(message_len).saturating_mul(8);
    let tail = block.len().saturating_sub(8);
    if let Some(len_field) = block.get_mut(tail..) {
        len_field.copy_from_slice(&bits.to_be_bytes());
    }
}

fn be_bytes32<const W: usize, const N: usize>(words: &[u32; W]) -> [u8; N] {
    let mut out = [0u8; N];
    for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    //! The hand-padded HMAC above must equal the `hmac` crate bit for bit.
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use proptest::prelude::*;

    fn reference(algorithm: Algorithm, key: &[u8], counter: u64) -> Vec<u8> {
        let msg = counter.to_be_bytes();
        match algorithm {
            Algorithm::Sha1 => {
                let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
                m.update(&msg);
                m.finalize().into_bytes().to_vec()
            }
            Algorithm::Sha256 => {
                let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
                m.update(&msg);
                m.finalize().into_bytes().to_vec()
            }
            Algorithm::Sha512 => {
                let mut m = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
                m.update(&msg);
                m.finalize().into_bytes().to_vec()
            }
        }
    }

    fn algorithms() -> impl Strategy<Value = Algorithm> {
        prop::sample::select(Algorithm::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Keys from empty to past two SHA-512 blocks (the hash-the-key path), any counter.
        #[test]
        fn equals_the_hmac_crate(
            algorithm in algorithms(),
            key in proptest::collection::vec(any::<u8>(), 0..300),
            counter in any::<u64>(),
        ) {
            let ours = KeyedMac::new(algorithm, &key).counter_mac(counter);
            let theirs = reference(algorithm, &key, counter);
            prop_assert_eq!(&ours.to_bytes(), &theirs);
            let (head, last) = ours.truncation_input();
            let head_bytes: Vec<u8> = head.iter().flat_map(|w| w.to_be_bytes()).collect();
            prop_assert_eq!(&head_bytes[..], &theirs[..20]);
            prop_assert_eq!(Some(&last), theirs.last());
        }
    }

    #[test]
    fn block_boundary_keys_equal_the_hmac_crate() {
        for algorithm in Algorithm::ALL {
            for len in [0usize, 1, 63, 64, 65, 127, 128, 129, 256] {
                let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
                for counter in [0, 1, u64::MAX, 0x0102_0304_0506_0708] {
                    let ours = KeyedMac::new(algorithm, &key).counter_mac(counter);
                    let theirs = reference(algorithm, &key, counter);
                    assert_eq!(ours.to_bytes(), theirs, "{algorithm:?} {len}");
                }
            }
        }
    }
}
