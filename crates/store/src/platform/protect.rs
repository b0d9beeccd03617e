//! Protection of people's data: ID and phone numbers are encrypted with SM4-GCM under
//! a key from configuration (never stored in the database), searchable through a keyed
//! SM3 digest, and masked in lists. Passwords are hashed with argon2id.

use aes_gcm::aead::Aead;
use aes_gcm::aead::consts::U12;
use aes_gcm::{AesGcm, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};

/// The SM2 signer's distinguishing identifier: the default of GM/T 0009 (licenses,
/// audit checkpoints).
pub const SM2_DIST_ID: &str = "1234567812345678";

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;
type HmacSm3 = Hmac<Sm3>;

/// Keys derived from the configured 32-byte master key.
#[derive(Clone)]
pub struct Keys {
    enc: [u8; 16],
    digest: [u8; 32],
    audit: [u8; 32],
    check: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <HmacSm3 as hmac::KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&hmac(master, &[b"tongban/sm4-enc"])[..16]);
        Self {
            enc,
            digest: hmac(master, &[b"tongban/sm3-digest"]),
            audit: hmac(master, &[b"tongban/audit"]),
            check: hmac(master, &[b"tongban/key-check"]),
        }
    }

    /// Parses a master key written as 64 hexadecimal characters.
    pub fn from_hex(s: &str) -> anyhow::Result<Self> {
        let bytes =
            hex::decode(s.trim()).map_err(|_| anyhow::anyhow!("密钥应为64位十六进制字符"))?;
        let master: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("密钥应为64位十六进制字符（32字节）"))?;
        Ok(Self::from_master(&master))
    }

    /// A fresh random master key in hex, for a new installation's key file.
    pub fn generate_hex() -> anyhow::Result<String> {
        let mut m = [0u8; 32];
        getrandom::fill(&mut m).map_err(|e| anyhow::anyhow!("无法生成随机密钥：{e}"))?;
        Ok(hex::encode(m))
    }

    /// Encrypts a value: base64 of nonce ‖ ciphertext ‖ tag, prefixed by a version.
    pub fn encrypt(&self, plain: &str) -> String {
        let cipher = Sm4Gcm::new_from_slice(&self.enc).expect("SM4 key is 16 bytes");
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS random source is available");
        let ct = cipher
            .encrypt(&aes_gcm::Nonce::from(nonce), plain.as_bytes())
            .expect("SM4-GCM encryption of a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("v1:{}", B64.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> anyhow::Result<String> {
        let body = stored
            .strip_prefix("v1:")
            .ok_or_else(|| anyhow::anyhow!("unknown ciphertext version"))?;
        let raw = B64.decode(body)?;
        anyhow::ensure!(raw.len() > 12 + 16, "ciphertext too short");
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into()?;
        let cipher = Sm4Gcm::new_from_slice(&self.enc).expect("SM4 key is 16 bytes");
        let plain = cipher
            .decrypt(&aes_gcm::Nonce::from(nonce), ct)
            .map_err(|_| anyhow::anyhow!("decryption failed: wrong key or tampered value"))?;
        Ok(String::from_utf8(plain)?)
    }

    /// Keyed SM3 digest of a value, so equality search works without decrypting.
    pub fn digest(&self, kind: &str, value: &str) -> String {
        hex::encode(hmac(
            &self.digest,
            &[kind.as_bytes(), b"\x00", value.as_bytes()],
        ))
    }

    /// A 32-byte secret for one purpose, derived from the audit key (the SM2 key that
    /// signs audit checkpoints).
    pub fn derived(&self, purpose: &str) -> [u8; 32] {
        hmac(&self.audit, &[b"tongban/derived/", purpose.as_bytes()])
    }

    /// Keyed SM3 of an audit entry.
    pub fn audit_mac(&self, data: &[u8]) -> String {
        hex::encode(hmac(&self.audit, &[data]))
    }

    /// Proves the key without revealing it.
    pub fn key_check(&self) -> String {
        hex::encode(self.check)
    }
}

/// Plain SM3 hash in hex (API token storage).
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// A random token of 32 bytes, URL-safe.
/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::PasswordHasher;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    let h = argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(h.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32])
    }

    #[test]
    fn encryption_round_trips_and_hides() {
        let k = keys();
        let a = k.encrypt("11010519491231002X");
        let b = k.encrypt("11010519491231002X");
        assert_ne!(a, b, "random nonce");
        assert!(!a.contains("1101051949"));
        assert_eq!(k.decrypt(&a).unwrap(), "11010519491231002X");
        let other = Keys::from_master(&[8u8; 32]);
        assert!(other.decrypt(&a).is_err());
        let mut tampered = a.clone();
        tampered.pop();
        tampered.push(if a.ends_with('A') { 'B' } else { 'A' });
        assert!(k.decrypt(&tampered).is_err());
    }

    #[test]
    fn digests_are_keyed_and_stable() {
        let k = keys();
        assert_eq!(k.digest("id", "x"), k.digest("id", "x"));
        assert_ne!(k.digest("id", "x"), k.digest("phone", "x"));
        assert_ne!(
            k.digest("id", "x"),
            Keys::from_master(&[1u8; 32]).digest("id", "x")
        );
        assert!(Keys::from_hex("zz").is_err());
        assert!(Keys::from_hex(&Keys::generate_hex().unwrap()).is_ok());
    }

    #[test]
    fn sm3_known_answer() {
        // GB/T 32905-2016 example 1: SM3("abc").
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn passwords() {
        let h = hash_password("correct horse 1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 1", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
