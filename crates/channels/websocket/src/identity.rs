//! Who is on the other end: server-issued anonymous tokens and operator-signed user ids.
//!
//! Both are HMAC-SHA256 over the user id with the channel secret, so tokens survive restarts without
//! server-side state and cannot be forged without the secret. Comparison is constant-time (`verify_slice`).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The channel secret. `Debug` never prints it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Secret(bytes.into())
    }

    /// 32 random bytes.
    pub fn generate() -> Self {
        let mut b = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut b);
        Secret(b)
    }

    /// The raw bytes (to persist a generated secret).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self, prefix: &str, user: &str) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(prefix.as_bytes());
        mac.update(user.as_bytes());
        mac
    }

    /// `hex(HMAC-SHA256(secret, user_id))`: what an operator's backend computes for signed identity.
    pub fn sign_user(&self, user: &str) -> String {
        hex::encode(self.mac("", user).finalize().into_bytes())
    }

    /// Checks a signature made by [`Secret::sign_user`], in constant time.
    pub fn verify_user(&self, user: &str, signature_hex: &str) -> bool {
        hex::decode(signature_hex).is_ok_and(|sig| self.mac("", user).verify_slice(&sig).is_ok())
    }

    /// A new anonymous user id and its session token.
    pub fn issue_anonymous(&self) -> (String, String) {
        let mut id = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut id);
        let user = format!("anon-{}", hex::encode(id));
        let token = self.token_for(&user);
        (user, token)
    }

    /// The session token of an anonymous user: `v1.<user>.<hex mac>`.
    pub fn token_for(&self, user: &str) -> String {
        format!(
            "v1.{user}.{}",
            hex::encode(self.mac("anon:", user).finalize().into_bytes())
        )
    }

    /// The user a token belongs to, if the token is genuine.
    pub fn verify_token(&self, token: &str) -> Option<String> {
        let rest = token.strip_prefix("v1.")?;
        let (user, mac_hex) = rest.rsplit_once('.')?;
        let sig = hex::decode(mac_hex).ok()?;
        self.mac("anon:", user).verify_slice(&sig).ok()?;
        Some(user.to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_signatures_verify_only_with_the_secret() {
        let s = Secret::new(b"k".to_vec());
        let (user, token) = s.issue_anonymous();
        assert_eq!(s.verify_token(&token).as_deref(), Some(user.as_str()));
        assert_eq!(Secret::new(b"other".to_vec()).verify_token(&token), None);
        let forged = token.replace(&user, "anon-someone-else");
        assert_eq!(s.verify_token(&forged), None);
        assert_eq!(s.verify_token("garbage"), None);
        let sig = s.sign_user("alice");
        assert!(s.verify_user("alice", &sig));
        assert!(!s.verify_user("bob", &sig));
        assert!(!s.verify_user("alice", "zz"));
        // An anonymous token is not a signature for the same user (different domain).
        assert!(!s.verify_user(&user, token.rsplit('.').next().unwrap()));
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }
}
