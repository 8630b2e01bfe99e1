//! `#EXT-X-KEY METHOD=AES-128`: whole segments encrypted with AES-128-CBC
//! and PKCS#7 padding; the IV is the tag's, or the segment's media sequence
//! number as a 128-bit big-endian integer (RFC 8216 section 5.2).

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use bytes::Bytes;

/// The IV a segment uses when its key tag gives none.
pub(crate) fn sequence_iv(sequence: u64) -> [u8; 16] {
    (sequence as u128).to_be_bytes()
}

/// Decrypts one segment.
pub(crate) fn decrypt(data: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Result<Bytes, String> {
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Err("an encrypted segment's size is not a multiple of 16 bytes".into());
    }
    let mut buf = data.to_vec();
    let plain = cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into())
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|_| "a segment does not decrypt with its key (wrong key or IV)".to_string())?;
    let n = plain.len();
    buf.truncate(n);
    Ok(Bytes::from(buf))
}

/// The key's 16 bytes, or why the answer is not a key.
pub(crate) fn key_from(body: &[u8]) -> Result<[u8; 16], String> {
    body.try_into()
        .map_err(|_| format!("the HLS key is {} bytes, not 16", body.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockModeEncrypt;

    fn encrypt(plain: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Vec<u8> {
        let mut buf = plain.to_vec();
        buf.resize(plain.len() + 16, 0);
        let n = cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into())
            .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
            .unwrap()
            .len();
        buf.truncate(n);
        buf
    }

    #[test]
    fn a_segment_decrypts_with_its_key_and_iv() {
        let key = [7u8; 16];
        let iv = sequence_iv(41);
        assert_eq!(iv[15], 41);
        let plain: Vec<u8> = (0..188 * 5).map(|i| i as u8).collect();
        let sealed = encrypt(&plain, &key, &iv);
        assert_eq!(&decrypt(&sealed, &key, &iv).unwrap()[..], &plain[..]);
        // Another key or IV: refused (padding does not check out) or garbage, never a panic.
        match decrypt(&sealed, &[8u8; 16], &iv) {
            Ok(wrong) => assert_ne!(&wrong[..], &plain[..]),
            Err(e) => assert!(e.contains("does not decrypt")),
        }
        assert!(decrypt(&sealed[..sealed.len() - 1], &key, &iv).is_err());
        assert!(decrypt(&[], &key, &iv).is_err());
        assert!(key_from(b"short").unwrap_err().contains("5 bytes"));
    }
}
