//! HMAC of 8-byte counters, with exactly two compression-function calls per counter
//! plus two per call to key it.
//!
//! The `hmac` crate spends most of its time at this message size on buffering and
//! finalisation bookkeeping. An OTP message is always one 8-byte counter, so both the
//! inner and the outer hash are a single padded block on top of a state that only
//! depends on the key. We compress those two keyed states (RFC 2104's `H(K ^ ipad)`
//! and `H(K ^ opad)` prefixes) once per call, then per counter build the one inner
//! block and the one outer block by hand and call the compression function directly.
//! The result is bit-for-bit HMAC: a property test checks it against the `hmac`
//! crate (at the end of this file) for every algorithm, key lengths from 0 to past
//! two blocks, and random counters.
//!
//! The order of the work is chosen for the core that runs it, and measured in
//! `bench/benches/otp.rs` against the bare compressions:
//! - Counters are taken [`LANES`] at a time: every inner hash of the group first, then
//!   every outer hash. Only a counter's outer hash waits for its inner hash, so the
//!   compressions of different counters are independent in the instruction stream.
//! - Nothing is read right after it was written in smaller pieces. The compression
//!   loads its block and state 16 bytes at a time; a load that spans several recent
//!   stores cannot be served from them and waits until they reach the cache, which
//!   cost about a fifth of a verification. So the key blocks and the first group's
//!   blocks are written before the key is compressed, every outer block of a group
//!   before the first outer compression, and blocks and keyed states are built where
//!   they are used instead of being returned and copied.

use zeroize::Zeroize;

use super::Algorithm;
use crate::hash_blocks::{SHA1_IV, SHA256_IV, SHA512_IV, block32, block64};

/// How many counters are hashed side by side: enough independent compressions for an
/// out-of-order core to overlap, few enough that their states and blocks stay on a
/// small stack.
const LANES: usize = 4;

/// HMAC keyed with one secret, for one algorithm. Borrows the key: the keyed states
/// are computed, used and wiped inside each call.
#[derive(Clone, Copy)]
pub(crate) struct CounterMac<'k> {
    algorithm: Algorithm,
    key: &'k [u8],
}

impl<'k> CounterMac<'k> {
    pub(crate) fn new(algorithm: Algorithm, key: &'k [u8]) -> Self {
        CounterMac { algorithm, key }
    }

    /// `HMAC(key, counter as 8 big-endian bytes)` for every counter `items` yields,
    /// handed to `each` with the counter, its tag and the MAC, in order.
    pub(crate) fn each_mac<T: Copy + Default>(
        &self,
        items: impl Iterator<Item = (u64, T)>,
        each: impl FnMut(u64, T, MacWords),
    ) {
        self.lanes::<T, LANES>(items, each);
    }

    /// `HMAC(key, counter)` for one counter, without room for a window's lanes.
    pub(crate) fn mac(&self, counter: u64) -> MacWords {
        let mut out = MacWords::Sha1([0; 5]);
        self.lanes::<(), 1>([(counter, ())].into_iter(), |_, (), mac| out = mac);
        out
    }

    fn lanes<T: Copy + Default, const N: usize>(
        &self,
        items: impl Iterator<Item = (u64, T)>,
        each: impl FnMut(u64, T, MacWords),
    ) {
        match self.algorithm {
            Algorithm::Sha1 => SHA1.each_mac::<T, N>(self.key, items, each),
            Algorithm::Sha256 => SHA256.each_mac::<T, N>(self.key, items, each),
            Algorithm::Sha512 => SHA512.each_mac::<T, N>(self.key, items, each),
        }
    }
}

/// What HMAC needs of one hash function: its state, block size, initial value and
/// compression function, and how an inner hash becomes the outer message.
struct Hash<S, const B: usize> {
    iv: S,
    compress: fn(&mut S, &[[u8; B]]),
    /// Hashes a key longer than a block (RFC 2104) into the start of the block.
    digest_key: fn(&[u8], &mut [u8; B]) -> usize,
    /// The inner hash's last block: the counter, padded.
    inner_block: fn(u64) -> [u8; B],
    /// The outer hash's last block: the inner hash's output, padded.
    outer_block: fn(&S) -> [u8; B],
    words: fn(S) -> MacWords,
}

const SHA1: Hash<[u32; 5], 64> = Hash {
    iv: SHA1_IV,
    compress: sha1::block_api::compress,
    digest_key: digest_key::<sha1::Sha1, 64>,
    inner_block: |counter| block32(&counter_words(counter)),
    outer_block: block32,
    words: MacWords::Sha1,
};

const SHA256: Hash<[u32; 8], 64> = Hash {
    iv: SHA256_IV,
    compress: sha2::block_api::compress256,
    digest_key: digest_key::<sha2::Sha256, 64>,
    inner_block: |counter| block32(&counter_words(counter)),
    outer_block: block32,
    words: MacWords::Sha256,
};

const SHA512: Hash<[u64; 8], 128> = Hash {
    iv: SHA512_IV,
    compress: sha2::block_api::compress512,
    digest_key: digest_key::<sha2::Sha512, 128>,
    inner_block: |counter| block64(&[counter]),
    outer_block: block64,
    words: MacWords::Sha512,
};

/// The two keyed states, wiped on drop: each is as good as the key for computing codes.
struct KeyedStates<S: Zeroize> {
    inner: S,
    outer: S,
}

impl<S: Zeroize> Drop for KeyedStates<S> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// `K ^ ipad` and `K ^ opad`, the blocks that key HMAC. Only their first `key_len`
/// bytes come from the key, and those are wiped on drop; past the key each block holds
/// the public pad byte, which says nothing about the key (and skipping it saves most
/// of the volatile stores for the usual 20-byte secret).
struct KeyBlocks<const B: usize> {
    ipad: [u8; B],
    opad: [u8; B],
    key_len: usize,
}

impl<const B: usize> Drop for KeyBlocks<B> {
    fn drop(&mut self) {
        for block in [&mut self.ipad, &mut self.opad] {
            match block.get_mut(..self.key_len) {
                Some(key_bytes) => key_bytes.zeroize(),
                None => block.zeroize(),
            }
        }
    }
}

/// Up to `N` counters with their tags, and each counter's inner block, written when
/// the group is taken.
struct Group<T, const B: usize, const N: usize> {
    blocks: [[u8; B]; N],
    items: [(u64, T); N],
    filled: usize,
}

impl<T: Copy + Default, const B: usize, const N: usize> Group<T, B, N> {
    fn new() -> Self {
        Group {
            blocks: [[0u8; B]; N],
            items: [(0, T::default()); N],
            filled: 0,
        }
    }

    /// Refills the group in place (a returned group would be copied, reading the
    /// blocks just written) with the next counters, and writes their inner blocks.
    fn take(
        &mut self,
        inner_block: fn(u64) -> [u8; B],
        items: &mut impl Iterator<Item = (u64, T)>,
    ) {
        self.filled = 0;
        for ((block, slot), item) in self.blocks.iter_mut().zip(&mut self.items).zip(items) {
            *block = inner_block(item.0);
            *slot = item;
            self.filled = self.filled.saturating_add(1);
        }
    }

    fn items(&self) -> &[(u64, T)] {
        self.items.get(..self.filled).unwrap_or_default()
    }
}

impl<S: Copy + Zeroize, const B: usize> Hash<S, B> {
    /// HMAC of each counter, `N` counters side by side.
    fn each_mac<T: Copy + Default, const N: usize>(
        &self,
        key: &[u8],
        mut items: impl Iterator<Item = (u64, T)>,
        mut each: impl FnMut(u64, T, MacWords),
    ) {
        // The key blocks and then the first group's blocks are written before the key
        // is compressed: by then these stores have reached the cache (see the module
        // comment).
        let mut key_blocks = KeyBlocks {
            ipad: [0x36; B],
            opad: [0x5c; B],
            key_len: 0,
        };
        self.key_blocks(key, &mut key_blocks);
        let mut group = Group::<T, B, N>::new();
        group.take(self.inner_block, &mut items);
        if group.filled == 0 {
            return;
        }
        // Compressed in place and never moved: a copy of the whole pair would read
        // across the compressions' separate stores and wait for them.
        let iv = core::hint::black_box(&self.iv);
        let mut keyed = KeyedStates {
            inner: *iv,
            outer: *iv,
        };
        self.key_states(&key_blocks, &mut keyed);
        loop {
            self.group_macs(&keyed, &group, &mut each);
            if group.filled < N {
                break;
            }
            group.take(self.inner_block, &mut items);
            if group.filled == 0 {
                break;
            }
        }
    }

    /// The MACs of one group: every inner hash, then every outer one.
    fn group_macs<T: Copy + Default, const N: usize>(
        &self,
        keyed: &KeyedStates<S>,
        group: &Group<T, B, N>,
        each: &mut impl FnMut(u64, T, MacWords),
    ) {
        // Both passes' starting states are copied in before either pass runs, and
        // from memory, so that each is one wide store long done when its compression
        // loads it (see `key_states`).
        let mut inner = [*core::hint::black_box(&keyed.inner); N];
        let mut outer = [*core::hint::black_box(&keyed.outer); N];
        for (state, block) in inner.iter_mut().zip(&group.blocks).take(group.filled) {
            (self.compress)(state, core::slice::from_ref(block));
        }
        // Every outer block is written before the first is compressed, so that all
        // but the first have reached the cache when they are loaded.
        let mut blocks = [[0u8; B]; N];
        for (block, inner) in blocks.iter_mut().zip(&inner).take(group.filled) {
            *block = (self.outer_block)(inner);
        }
        for (state, block) in outer.iter_mut().zip(&blocks).take(group.filled) {
            (self.compress)(state, core::slice::from_ref(block));
        }
        for (state, &(counter, tag)) in outer.iter().zip(group.items()) {
            each(counter, tag, (self.words)(*state));
        }
    }

    /// XORs the key (or its digest, if longer than a block: RFC 2104) into the pad
    /// blocks, in place: returned, they would be copied right after these small
    /// stores, and the copy would wait for them.
    fn key_blocks(&self, key: &[u8], blocks: &mut KeyBlocks<B>) {
        if key.len() > B {
            let mut digest = [0u8; B];
            let len = (self.digest_key)(key, &mut digest);
            self.key_blocks(digest.get(..len).unwrap_or_default(), blocks);
            digest.zeroize();
            return;
        }
        for ((i, o), k) in blocks.ipad.iter_mut().zip(&mut blocks.opad).zip(key) {
            *i ^= *k;
            *o ^= *k;
        }
        blocks.key_len = key.len();
    }

    /// Compresses the key blocks onto the IV already in `states`.
    fn key_states(&self, blocks: &KeyBlocks<B>, states: &mut KeyedStates<S>) {
        (self.compress)(&mut states.inner, core::slice::from_ref(&blocks.ipad));
        (self.compress)(&mut states.outer, core::slice::from_ref(&blocks.opad));
    }
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

/// Writes the digest of a key longer than the block at the start of `block`, wiping
/// the digest's other copy. Returns its length.
fn digest_key<D: sha1::Digest, const B: usize>(key: &[u8], block: &mut [u8; B]) -> usize {
    let mut digest = D::digest(key);
    for (b, d) in block.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    let len = digest.len();
    digest.as_mut_slice().zeroize();
    len
}

/// The counter as two big-endian 32-bit words, as SHA-1 and SHA-256 read it.
fn counter_words(counter: u64) -> [u32; 2] {
    [(counter >> 32) as u32, counter as u32]
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

    /// Every (counter, tag, MAC) `each_mac` hands out, in order.
    fn macs(algorithm: Algorithm, key: &[u8], counters: &[u64]) -> Vec<(u64, usize, MacWords)> {
        let mut out = Vec::new();
        let items = counters.iter().copied().zip(0usize..);
        CounterMac::new(algorithm, key).each_mac(items, |c, tag, mac| out.push((c, tag, mac)));
        out
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
            let ours = macs(algorithm, &key, &[counter]);
            prop_assert_eq!(ours.len(), 1);
            let (_, _, mac) = &ours[0];
            let theirs = reference(algorithm, &key, counter);
            prop_assert_eq!(&mac.to_bytes(), &theirs);
            let (head, last) = mac.truncation_input();
            let head_bytes: Vec<u8> = head.iter().flat_map(|w| w.to_be_bytes()).collect();
            prop_assert_eq!(&head_bytes[..], &theirs[..20]);
            prop_assert_eq!(Some(&last), theirs.last());
        }

        /// Windows of any length up to past five groups: every counter once, in order,
        /// with its own tag and its own MAC, whatever group it falls in.
        #[test]
        fn every_counter_of_a_window_in_order(
            algorithm in algorithms(),
            key in proptest::collection::vec(any::<u8>(), 0..80),
            counters in proptest::collection::vec(any::<u64>(), 0..(5 * LANES + 2)),
        ) {
            let ours = macs(algorithm, &key, &counters);
            prop_assert_eq!(ours.len(), counters.len());
            for (i, ((counter, tag, mac), expected)) in ours.iter().zip(&counters).enumerate() {
                prop_assert_eq!(*counter, *expected);
                prop_assert_eq!(*tag, i);
                prop_assert_eq!(mac.to_bytes(), reference(algorithm, &key, *expected));
            }
        }
    }

    #[test]
    fn block_boundary_keys_equal_the_hmac_crate() {
        for algorithm in Algorithm::ALL {
            for len in [0usize, 1, 63, 64, 65, 127, 128, 129, 256] {
                let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let counters = [0, 1, u64::MAX, 0x0102_0304_0506_0708];
                for (counter, _, mac) in macs(algorithm, &key, &counters) {
                    let theirs = reference(algorithm, &key, counter);
                    assert_eq!(mac.to_bytes(), theirs, "{algorithm:?} {len}");
                }
            }
        }
    }
}
