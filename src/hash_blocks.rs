//! What calling a hash's compression function directly needs: the initial values,
//! and the last block of a hash whose message fits in it after one block already
//! compressed (an HMAC key block), its padding written by hand as whole words.

/// SHA-1's initial state (FIPS 180-4 §5.3.1).
pub(crate) const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// SHA-256's initial state (FIPS 180-4 §5.3.3).
pub(crate) const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// SHA-512's initial state (FIPS 180-4 §5.3.5).
pub(crate) const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// The last block of a SHA-1 or SHA-256 hash of one prefix block and `message`:
/// the message, the `0x80` end marker, and the total length in bits at the end
/// (Merkle–Damgård padding, by hand).
///
/// Built as words and written out whole, rather than written a few bytes at a time
/// into a zeroed block: the compression loads the block 16 bytes at a time, and a load
/// that spans several recent small stores waits until they reach the cache, where a
/// load within one recent wide store is served at once from the store buffer.
pub(crate) fn block32<const W: usize>(message: &[u32; W]) -> [u8; 64] {
    let mut words = [0u32; 16];
    for (word, m) in words.iter_mut().zip(message) {
        *word = *m;
    }
    if let Some(marker) = words.get_mut(W) {
        *marker = 0x8000_0000;
    }
    // One 64-byte block before this one, then the message.
    let bits = W.saturating_mul(4).saturating_add(64).saturating_mul(8);
    words[15] = u32::try_from(bits).unwrap_or(0);
    be_bytes32(&words)
}

/// [`block32`] for SHA-512: 64-bit words, 128-byte blocks, a 128-bit length field
/// whose upper half stays zero at these sizes.
pub(crate) fn block64<const W: usize>(message: &[u64; W]) -> [u8; 128] {
    let mut words = [0u64; 16];
    for (word, m) in words.iter_mut().zip(message) {
        *word = *m;
    }
    if let Some(marker) = words.get_mut(W) {
        *marker = 0x8000_0000_0000_0000;
    }
    let bits = W.saturating_mul(8).saturating_add(128).saturating_mul(8);
    words[15] = u64::try_from(bits).unwrap_or(0);
    let mut block = [0u8; 128];
    for (chunk, word) in block.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    block
}

/// 32-bit state or block words as big-endian bytes (`N` = 4 × `W`).
pub(crate) fn be_bytes32<const W: usize, const N: usize>(words: &[u32; W]) -> [u8; N] {
    let mut bytes = [0u8; N];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    bytes
}
